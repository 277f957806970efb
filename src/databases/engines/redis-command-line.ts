/**
 * Splits a Redis command line the way redis-cli reads one: words separated by spaces or tabs,
 * "double-quoted" strings with backslash escapes (\n \r \t \b \a \\ \" and \xHH), and
 * 'single-quoted' strings where only \' is an escape. A quoted string must be followed by a space
 * or the end of the line. Returns null when the quotes are unbalanced or a quote is followed by
 * another character, so the caller can refuse the line.
 */
export function parseRedisCommandLine(line: string): string[] | null {
  const words: string[] = [];
  let i = 0;
  const n = line.length;
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  while (i < n) {
    while (i < n && isSpace(line[i])) i += 1;
    if (i >= n) break;
    let word = '';
    const quote = line[i] === '"' || line[i] === "'" ? line[i] : null;
    if (quote === null) {
      while (i < n && !isSpace(line[i])) {
        if (line[i] === '"' || line[i] === "'") return null;
        word += line[i];
        i += 1;
      }
      words.push(word);
      continue;
    }
    i += 1;
    let closed = false;
    while (i < n) {
      const c = line[i];
      if (quote === '"' && c === '\\' && i + 1 < n) {
        const next = line[i + 1] as string;
        const hex = line.slice(i + 2, i + 4);
        if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(hex)) {
          word += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          continue;
        }
        word += ESCAPES[next] ?? next;
        i += 2;
        continue;
      }
      if (quote === "'" && c === '\\' && line[i + 1] === "'") {
        word += "'";
        i += 2;
        continue;
      }
      if (c === quote) {
        closed = true;
        i += 1;
        break;
      }
      word += c;
      i += 1;
    }
    if (!closed) return null;
    if (i < n && !isSpace(line[i])) return null;
    words.push(word);
  }
  return words;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };
