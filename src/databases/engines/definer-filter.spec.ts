import { Readable } from 'node:stream';
import { DefinerFilter, withoutDefiner } from './definer-filter';

/** A dump as mariadb-dump writes one, with every kind of DEFINER clause and data that only looks like one. */
const DUMP = [
  '/*M!999999\\- enable the sandbox mode */ ',
  '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
  'CREATE TABLE `items` (',
  '  `id` int(11) NOT NULL,',
  '  `name` varchar(100) NOT NULL',
  ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
  "INSERT INTO `items` VALUES (1,'DEFINER=`u_abc`@`%` stays, ünï 日本'),(2,'CREATE DEFINER=`x`@`%` too');",
  'INSERT INTO `items` VALUES',
  "(3,'CREATE DEFINER=`u_abc`@`%` PROCEDURE'),",
  "(4,'/*!50013 DEFINER=`u_abc`@`%` */');",
  '/*!50001 CREATE ALGORITHM=UNDEFINED */',
  '/*!50013 DEFINER=`u_abc`@`%` SQL SECURITY DEFINER */',
  '/*!50001 VIEW `cheap` AS select `items`.`id` AS `id` from `items` */;',
  '/*!50003 CREATE*/ /*!50017 DEFINER=`u_abc`@`%`*/ /*!50003 TRIGGER notes_upper BEFORE INSERT ON notes FOR EACH ROW SET NEW.body = UPPER(NEW.body) */;;',
  'CREATE DEFINER=`u_abc`@`%` PROCEDURE `count_items`(OUT n INT)',
  "SELECT COUNT(*) INTO n FROM items WHERE name <> 'DEFINER=`u_abc`@`%`' ;;",
  '/*!50106 CREATE*/ /*!50117 DEFINER=`u_abc`@`%`*/ /*!50106 EVENT `tick` ON SCHEDULE EVERY 1 DAY DO SELECT 1 */ ;;',
  "CREATE DEFINER='u_abc'@'localhost' FUNCTION `f`() RETURNS int(11) RETURN 1 ;;",
  '',
].join('\n');

const EXPECTED = [
  '/*M!999999\\- enable the sandbox mode */ ',
  '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
  'CREATE TABLE `items` (',
  '  `id` int(11) NOT NULL,',
  '  `name` varchar(100) NOT NULL',
  ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
  "INSERT INTO `items` VALUES (1,'DEFINER=`u_abc`@`%` stays, ünï 日本'),(2,'CREATE DEFINER=`x`@`%` too');",
  'INSERT INTO `items` VALUES',
  "(3,'CREATE DEFINER=`u_abc`@`%` PROCEDURE'),",
  "(4,'/*!50013 DEFINER=`u_abc`@`%` */');",
  '/*!50001 CREATE ALGORITHM=UNDEFINED */',
  '/*!50013 SQL SECURITY DEFINER */',
  '/*!50001 VIEW `cheap` AS select `items`.`id` AS `id` from `items` */;',
  '/*!50003 CREATE*/ /*!50017 */ /*!50003 TRIGGER notes_upper BEFORE INSERT ON notes FOR EACH ROW SET NEW.body = UPPER(NEW.body) */;;',
  'CREATE PROCEDURE `count_items`(OUT n INT)',
  "SELECT COUNT(*) INTO n FROM items WHERE name <> 'DEFINER=`u_abc`@`%`' ;;",
  '/*!50106 CREATE*/ /*!50117 */ /*!50106 EVENT `tick` ON SCHEDULE EVERY 1 DAY DO SELECT 1 */ ;;',
  'CREATE FUNCTION `f`() RETURNS int(11) RETURN 1 ;;',
  '',
].join('\n');

async function filtered(chunks: Buffer[]): Promise<string> {
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(chunks).pipe(new DefinerFilter())) out.push(chunk as Buffer);
  return Buffer.concat(out).toString('utf8');
}

describe('DefinerFilter', () => {
  it('removes the DEFINER clauses of views, triggers, routines and events, and never touches data', async () => {
    expect(await filtered([Buffer.from(DUMP)])).toBe(EXPECTED);
  });

  it('gives the same output however the stream is cut, even inside a clause or a multi-byte character', async () => {
    const bytes = Buffer.from(DUMP);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      expect(await filtered([bytes.subarray(0, cut), bytes.subarray(cut)])).toBe(EXPECTED);
    }
    const tiny: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 3) tiny.push(bytes.subarray(i, i + 3));
    expect(await filtered(tiny)).toBe(EXPECTED);
  });

  it('passes a long data line through without holding it back', async () => {
    const line = `INSERT INTO \`t\` VALUES ('${'x'.repeat(200_000)}');\n`;
    expect(await filtered([Buffer.from(line.slice(0, 100)), Buffer.from(line.slice(100))])).toBe(line);
  });

  it('rewrites only lines that start like a statement head', () => {
    expect(withoutDefiner('CREATE DEFINER=`u`@`%` PROCEDURE p() SELECT 1')).toBe('CREATE PROCEDURE p() SELECT 1');
    expect(withoutDefiner("  SELECT 'DEFINER=`u`@`%`'")).toBe("  SELECT 'DEFINER=`u`@`%`'");
  });
});
