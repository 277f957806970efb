import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { Client as PgClient } from 'pg';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { parseDatabaseHosts, type DatabaseHost } from '../src/config/database-hosts';
import { DatabaseException, DatabaseExceptionReason } from '../src/databases/database.exception';
import type { DatabaseEngineDriver, DatabaseTarget, QueryRequest } from '../src/databases/engines/database-engine';
import { createMysqlDriver } from '../src/databases/engines/mysql.engine';
import { createPostgresDriver } from '../src/databases/engines/postgres.engine';
import { waitFor } from './support/graphql-client';

/** A client of the engine's own library, connected with a connection string or the admin URL. */
interface OwnClient {
  rows(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  run(sql: string, params?: unknown[]): Promise<void>;
  end(): Promise<void>;
}

/** What differs between the two engines in the scenario below. */
interface EngineCase {
  engine: 'POSTGRESQL' | 'MYSQL';
  host: () => DatabaseHost;
  driver: (host: DatabaseHost) => DatabaseEngineDriver;
  connect: (url: string) => Promise<OwnClient>;
  /** The admin, through the host's adminUrl (for checks the users cannot make). */
  admin: (host: DatabaseHost) => Promise<OwnClient>;
  schema: string[];
  data: string[];
  /** Row 1 of `SELECT * FROM items ORDER BY id` through the console. */
  firstRow: unknown[];
  placeholders: [string, string];
  /** Statements that write, each refused in read-only mode. */
  writes: string[];
  /** Statements that try to leave read-only mode: each is refused or changes nothing. */
  alsoRefused: string[];
  /** Whether a restore that fails leaves the database as it was (else empty). */
  failedRestoreKeepsData: boolean;
  /** Statements refused in read-write mode too, with their reason. */
  refusedAnyway: [string, DatabaseExceptionReason][];
  sleep: (seconds: number) => string;
  /** Ways a single statement might try to outlive the timeout. */
  sleepsPastTimeout: (seconds: number) => string[];
  /** How many statements of the user run a sleep on the server right now. */
  sleeping: (admin: OwnClient, username: string) => Promise<number>;
  series: (count: number) => string;
  twoStatements: string;
  failing: string;
  /** Occupies a database name on the server as someone else's, with content. */
  occupy: (admin: OwnClient, database: string) => Promise<void>;
  release: (admin: OwnClient, database: string) => Promise<void>;
  /** Lists the databases the connected user can see. */
  visibleDatabases: (client: OwnClient) => Promise<string[]>;
  indexes: { name: string; columns: string[]; unique: boolean; primary: boolean }[];
  types: Record<string, string>;
}

function pgClient(url: string): Promise<OwnClient> {
  const client = new PgClient({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  return client.connect().then(() => ({
    rows: async (sql, params) => (await client.query(sql, params)).rows as Record<string, unknown>[],
    run: async (sql, params) => void (await client.query(sql, params)),
    end: () => client.end().catch(() => undefined),
  }));
}

function mysqlClient(url: string): Promise<OwnClient> {
  return createConnection({ uri: url, connectTimeout: 5_000, dateStrings: true, supportBigNumbers: true }).then(
    (connection: Connection) => {
      connection.on('error', () => undefined);
      return {
        rows: async (sql, params) =>
          (await connection.query<RowDataPacket[]>(sql, params))[0] as Record<string, unknown>[],
        run: async (sql, params) => void (await connection.query(sql, params)),
        end: () => connection.end().catch(() => undefined),
      };
    },
  );
}

const hosts = () => parseDatabaseHosts(process.env.DATABASE_HOSTS);

const POSTGRES: EngineCase = {
  engine: 'POSTGRESQL',
  host: () => hosts().POSTGRESQL!,
  driver: createPostgresDriver,
  connect: pgClient,
  admin: (host) => pgClient(host.adminUrl),
  schema: [
    `CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, price numeric(12,4), big bigint,
       created timestamptz, day date, data bytea, note text DEFAULT 'none', doc jsonb, flag boolean)`,
    'CREATE INDEX items_name ON items (name)',
    'CREATE UNIQUE INDEX items_big ON items (big, day)',
    'CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 1',
    'CREATE SCHEMA extra',
    'CREATE TABLE extra.notes (id serial PRIMARY KEY, body text)',
    `CREATE PROCEDURE escape_read_only() LANGUAGE plpgsql AS $$ BEGIN COMMIT; SET TRANSACTION READ WRITE;
       INSERT INTO items (id, name) VALUES (103, 'escaped'); COMMIT; END $$`,
  ],
  data: [
    `INSERT INTO items VALUES
       (1, 'plain', 12.5, 9007199254740993, '2024-02-29 12:34:56.789012+00', '2024-02-29', '\\x00ff10', NULL, '{"a":[1,2]}', true),
       (2, 'ünïcødé 日本 🚀', -0.0001, -1, NULL, NULL, '\\x', 'note', NULL, false),
       (3, 'quote''s "and" \\ backslash', NULL, NULL, '1999-12-31 23:59:59+00', '0001-01-01', NULL, 'x', '[]', NULL)`,
    "INSERT INTO extra.notes (body) VALUES ('one'), ('two')",
  ],
  firstRow: [
    1,
    'plain',
    '12.5000',
    '9007199254740993',
    '2024-02-29 12:34:56.789012+00',
    '2024-02-29',
    '\\x00ff10',
    null,
    { a: [1, 2] },
    true,
  ],
  placeholders: ['$1', '$2'],
  writes: [
    "INSERT INTO items (id, name) VALUES (100, 'x')",
    "UPDATE items SET name = 'changed'",
    'DELETE FROM items',
    'TRUNCATE items',
    'DROP TABLE items',
    'CREATE TABLE sneaky (id int)',
    'ALTER TABLE items ADD COLUMN sneaky int',
    'WITH gone AS (DELETE FROM items RETURNING id) SELECT count(*) FROM gone',
    "DO $$ BEGIN INSERT INTO items (id, name) VALUES (101, 'x'); END $$",
    'SELECT nextval(pg_get_serial_sequence($$extra.notes$$, $$id$$))',
    'COPY items FROM STDIN',
  ],
  alsoRefused: [
    "DO $$ BEGIN SET TRANSACTION READ WRITE; INSERT INTO items (id, name) VALUES (101, 'x'); END $$",
    "SELECT set_config('transaction_read_only', 'off', true), (SELECT count(*) FROM items)",
    'SET TRANSACTION READ WRITE',
    // A procedure made earlier that commits, turns its transaction read-write and writes.
    'CALL escape_read_only()',
  ],
  failedRestoreKeepsData: true,
  refusedAnyway: [['COPY items FROM STDIN', DatabaseExceptionReason.INVALID_QUERY]],
  sleep: (seconds) => `SELECT pg_sleep(${seconds})`,
  sleepsPastTimeout: (seconds) => [
    `SELECT pg_sleep(${seconds})`,
    `SELECT set_config('statement_timeout', '0', false), pg_sleep(${seconds})`,
    `DO $$ BEGIN PERFORM set_config('statement_timeout', '0', false); PERFORM pg_sleep(${seconds}); END $$`,
  ],
  sleeping: async (admin, username) =>
    Number(
      (
        await admin.rows(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE usename = $1 AND state = 'active' AND query LIKE '%pg_sleep%'",
          [username],
        )
      )[0]!.n,
    ),
  series: (count) => `SELECT g AS n, repeat('x', 100) AS pad FROM generate_series(1, ${count}) AS g`,
  twoStatements: 'SELECT 1; SELECT 2',
  failing: 'SELECT 1 / 0',
  occupy: async (admin, database) => {
    await admin.run(`CREATE DATABASE "${database}"`);
  },
  release: async (admin, database) => {
    await admin.run(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  },
  visibleDatabases: async (client) =>
    (await client.rows("SELECT datname FROM pg_database WHERE has_database_privilege(datname, 'CONNECT')")).map((row) =>
      String(row.datname),
    ),
  indexes: [
    { name: 'items_pkey', columns: ['id'], unique: true, primary: true },
    { name: 'items_big', columns: ['big', 'day'], unique: true, primary: false },
    { name: 'items_name', columns: ['name'], unique: false, primary: false },
  ],
  types: { id: 'integer', price: 'numeric(12,4)', created: 'timestamp with time zone', data: 'bytea', doc: 'jsonb' },
};

const MYSQL: EngineCase = {
  engine: 'MYSQL',
  host: () => hosts().MYSQL!,
  driver: createMysqlDriver,
  connect: mysqlClient,
  admin: (host) => mysqlClient(host.adminUrl),
  schema: [
    `CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, price DECIMAL(12,4), big BIGINT,
       created DATETIME(6), day DATE, data BLOB, note TEXT DEFAULT 'none', doc JSON, flag BOOLEAN,
       KEY items_name (name), UNIQUE KEY items_big (big, day)) CHARACTER SET utf8mb4`,
    'CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 1',
    'CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT)',
    `CREATE TRIGGER notes_upper BEFORE INSERT ON notes FOR EACH ROW SET NEW.body = UPPER(NEW.body)`,
    'CREATE PROCEDURE count_items(OUT n INT) SELECT COUNT(*) INTO n FROM items',
    `CREATE PROCEDURE escape_read_only() BEGIN COMMIT; SET SESSION TRANSACTION READ WRITE;
       START TRANSACTION; INSERT INTO items (id, name) VALUES (103, 'escaped'); COMMIT; END`,
    'CREATE TABLE plain_notes (body TEXT) ENGINE = MyISAM',
  ],
  data: [
    `INSERT INTO items VALUES
       (1, 'plain', 12.5, 9007199254740993, '2024-02-29 12:34:56.789012', '2024-02-29', X'00ff10', NULL, '{"a":[1,2]}', TRUE),
       (2, 'ünïcødé 日本 🚀', -0.0001, -1, NULL, NULL, X'', 'note', NULL, FALSE),
       (3, 'quote''s "and" \\\\ backslash', NULL, NULL, '1999-12-31 23:59:59', '1000-01-01', NULL, 'x', '[]', NULL)`,
    "INSERT INTO notes (body) VALUES ('one'), ('two')",
  ],
  firstRow: [
    1,
    'plain',
    '12.5000',
    '9007199254740993',
    '2024-02-29 12:34:56.789012',
    '2024-02-29',
    '0x00ff10',
    null,
    { a: [1, 2] },
    1,
  ],
  placeholders: ['?', '?'],
  writes: [
    "INSERT INTO items (id, name) VALUES (100, 'x')",
    "UPDATE items SET name = 'changed'",
    'DELETE FROM items',
    'TRUNCATE items',
    'DROP TABLE items',
    'CREATE TABLE sneaky (id int)',
    'ALTER TABLE items ADD COLUMN sneaky int',
    'DROP VIEW cheap',
    'RENAME TABLE items TO renamed',
    "REPLACE INTO items (id, name) VALUES (1, 'x')",
    'SET STATEMENT tx_read_only = 0 FOR DELETE FROM items',
    "INSERT INTO plain_notes VALUES ('x')",
    // A routine made earlier that commits, turns its session read-write and writes.
    'CALL escape_read_only()',
    'COMMIT',
    'LOCK TABLES items WRITE',
  ],
  alsoRefused: [
    "SET STATEMENT transaction_read_only = 0 FOR INSERT INTO items (id, name) VALUES (102, 'x')",
    'SET SESSION TRANSACTION READ WRITE',
    'SET STATEMENT max_statement_time = 0 FOR DELETE FROM items',
  ],
  // The server must never make the platform send it one of the platform's own files.
  failedRestoreKeepsData: false,
  refusedAnyway: [["LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE notes", DatabaseExceptionReason.QUERY_FAILED]],
  sleep: (seconds) => `SELECT SLEEP(${seconds})`,
  sleepsPastTimeout: (seconds) => [
    `SELECT SLEEP(${seconds})`,
    `SET STATEMENT max_statement_time = 0 FOR SELECT SLEEP(${seconds})`,
  ],
  sleeping: async (admin, username) =>
    Number(
      (
        await admin.rows(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ? AND INFO LIKE '%SLEEP%'",
          [username],
        )
      )[0]!.n,
    ),
  series: (count) =>
    `WITH RECURSIVE g (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${count}) SELECT n, REPEAT('x', 100) AS pad FROM g`,
  twoStatements: 'SELECT 1; SELECT 2',
  failing: 'SELECT * FROM no_such_table',
  occupy: async (admin, database) => {
    await admin.run(`CREATE DATABASE \`${database}\``);
    await admin.run(`CREATE TABLE \`${database}\`.precious (id INT)`);
  },
  release: async (admin, database) => {
    await admin.run(`DROP DATABASE IF EXISTS \`${database}\``);
  },
  visibleDatabases: async (client) => (await client.rows('SHOW DATABASES')).map((row) => String(row.Database)),
  indexes: [
    { name: 'PRIMARY', columns: ['id'], unique: true, primary: true },
    { name: 'items_big', columns: ['big', 'day'], unique: true, primary: false },
    { name: 'items_name', columns: ['name'], unique: false, primary: false },
  ],
  types: { id: 'int(11)', price: 'decimal(12,4)', created: 'datetime(6)', data: 'blob', doc: 'longtext' },
};

function newTarget(): DatabaseTarget {
  const id = randomBytes(12).toString('hex');
  return { databaseName: `db_${id}`, username: `u_${id}`, password: randomBytes(24).toString('base64url') };
}

function request(query: string, overrides: Partial<QueryRequest> = {}): QueryRequest {
  return { query, params: [], readOnly: true, timeoutMs: 10_000, maxRows: 1_000, maxBytes: 1_048_576, ...overrides };
}

/** The reason the call failed with, or SUCCEEDED. */
async function reasonOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof DatabaseException) return error.reason;
    throw error;
  }
  return 'SUCCEEDED';
}

async function dumpOf(driver: DatabaseEngineDriver, target: DatabaseTarget): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  await driver.dump(target, out);
  return Buffer.concat(chunks);
}

async function canConnect(engine: EngineCase, url: string): Promise<boolean> {
  try {
    const client = await engine.connect(url);
    await client.rows('SELECT 1 AS one');
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** The URL of `database` on the server, as `target`'s user, at the public host and port. */
function urlAs(engine: EngineCase, driver: DatabaseEngineDriver, target: DatabaseTarget, database: string): string {
  const url = new URL(driver.connectionString(target));
  url.pathname = `/${database}`;
  return url.toString();
}

describe.each([POSTGRES, MYSQL])('the $engine driver against a real server', (engine) => {
  let driver: DatabaseEngineDriver;
  let admin: OwnClient;
  const made: DatabaseTarget[] = [];
  const occupied: string[] = [];
  const a = newTarget();
  let b = newTarget();
  const c = newTarget();
  let owner: OwnClient | undefined;
  let snapshot: Record<string, unknown>[];
  let dump: Buffer;

  const provision = async (target: DatabaseTarget) => {
    made.push(target);
    await driver.provision(target);
  };

  beforeAll(async () => {
    driver = engine.driver(engine.host());
    admin = await engine.admin(engine.host());
  });

  afterAll(async () => {
    await owner?.end();
    for (const target of made) await driver.drop(target).catch(() => undefined);
    for (const database of occupied) await engine.release(admin, database).catch(() => undefined);
    await admin.end();
    await driver.close();
  });

  it('provisions a database its own client reaches with the connection string, and writes to it', async () => {
    await provision(a);
    await expect(driver.exists(a)).resolves.toEqual({ database: true, user: true });
    const url = driver.connectionString(a);
    const parsed = new URL(url);
    expect(parsed.hostname).toBe(engine.host().host);
    expect(Number(parsed.port)).toBe(engine.host().port);
    expect(decodeURIComponent(parsed.username)).toBe(a.username);
    expect(decodeURIComponent(parsed.password)).toBe(a.password);
    expect(parsed.pathname).toBe(`/${a.databaseName}`);

    owner = await engine.connect(url);
    for (const sql of engine.schema) await owner.run(sql);
    for (const sql of engine.data) await owner.run(sql);
    snapshot = await owner.rows('SELECT * FROM items ORDER BY id');
    expect(snapshot).toHaveLength(3);
    expect(snapshot[1]!.name).toBe('ünïcødé 日本 🚀');
  });

  it('provisioning again after a partial attempt reuses what is there', async () => {
    await driver.provision(a);
    expect(await owner!.rows('SELECT * FROM items ORDER BY id')).toEqual(snapshot);
    expect(await canConnect(engine, driver.connectionString(a))).toBe(true);
  });

  it("keeps one database's credentials out of another database", async () => {
    await provision(b);
    const other = await engine.connect(driver.connectionString(b));
    try {
      // b's user cannot open a's database, nor read a's table from its own.
      expect(await canConnect(engine, urlAs(engine, driver, b, a.databaseName))).toBe(false);
      expect(await canConnect(engine, urlAs(engine, driver, a, a.databaseName))).toBe(true);
      await expect(other.rows(`SELECT * FROM ${a.databaseName}.items`)).rejects.toThrow();
      expect(await engine.visibleDatabases(other)).not.toContain(a.databaseName);
      // Nor does a's password open b's user.
      expect(await canConnect(engine, driver.connectionString({ ...b, password: a.password }))).toBe(false);
    } finally {
      await other.end();
    }
    const tables = await driver.listTables(b);
    expect(tables).toEqual([]);
    await expect(driver.tableInfo(b, 'items')).resolves.toBeNull();
    expect(await reasonOf(driver.execute(b, request('SELECT * FROM items')))).toBe(
      DatabaseExceptionReason.QUERY_FAILED,
    );
  });

  it('answers a SELECT with columns, JSON-safe rows and parameters', async () => {
    const all = await driver.execute(a, request('SELECT * FROM items ORDER BY id'));
    expect(all.columns).toEqual(['id', 'name', 'price', 'big', 'created', 'day', 'data', 'note', 'doc', 'flag']);
    expect(all.rows[0]).toEqual(engine.firstRow);
    expect(all.rows[1]![1]).toBe('ünïcødé 日本 🚀');
    expect(all.rowCount).toBe(3);
    expect(all.truncated).toBe(false);
    expect(all.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(JSON.stringify(all.rows))).toEqual(all.rows);

    const [p1, p2] = engine.placeholders;
    const some = await driver.execute(
      a,
      request(`SELECT id, name FROM items WHERE id >= ${p1} AND name <> ${p2} ORDER BY id`, { params: [2, 'nothing'] }),
    );
    expect(some.rows).toEqual([
      [2, 'ünïcødé 日本 🚀'],
      [3, 'quote\'s "and" \\ backslash'],
    ]);
    // A parameter is a value, never SQL.
    const injected = await driver.execute(
      a,
      request(`SELECT count(*) AS n FROM items WHERE name = ${p1}`, { params: ["x' OR '1'='1"] }),
    );
    expect(injected.rows).toEqual([['0']]);
  });

  it('refuses every kind of write in read-only mode, and changes nothing', async () => {
    for (const sql of engine.writes) {
      expect([sql, await reasonOf(driver.execute(a, request(sql)))]).toEqual([
        sql,
        DatabaseExceptionReason.READ_ONLY_VIOLATION,
      ]);
    }
    for (const sql of engine.alsoRefused) await driver.execute(a, request(sql)).catch(() => undefined);
    expect(await owner!.rows('SELECT * FROM items ORDER BY id')).toEqual(snapshot);
    const tables = (await driver.listTables(a)).map((table) => table.name);
    expect(tables).not.toContain('sneaky');
    expect(tables).toContain('items');
    const columns = (await driver.tableInfo(a, 'items'))!.columns.map((column) => column.name);
    expect(columns).not.toContain('sneaky');
  });

  it('writes in read-write mode', async () => {
    const [p1, p2] = engine.placeholders;
    const inserted = await driver.execute(
      a,
      request(`INSERT INTO items (id, name) VALUES (${p1}, ${p2})`, { readOnly: false, params: [4, 'written'] }),
    );
    expect(inserted.columns).toEqual([]);
    expect(inserted.rows).toEqual([]);
    expect(inserted.rowCount).toBe(1);
    expect(await owner!.rows('SELECT name FROM items WHERE id = 4')).toEqual([{ name: 'written' }]);
    const deleted = await driver.execute(a, request('DELETE FROM items WHERE id = 4', { readOnly: false }));
    expect(deleted.rowCount).toBe(1);
    expect(await owner!.rows('SELECT * FROM items ORDER BY id')).toEqual(snapshot);
  });

  it('cancels a statement past its timeout on the server itself', async () => {
    for (const sql of engine.sleepsPastTimeout(60)) {
      const started = Date.now();
      expect([sql, await reasonOf(driver.execute(a, request(sql, { timeoutMs: 500 })))]).toEqual([
        sql,
        DatabaseExceptionReason.QUERY_TIMEOUT,
      ]);
      expect(Date.now() - started).toBeLessThan(20_000);
      await waitFor(async () => (await engine.sleeping(admin, a.username)) === 0, 10_000, 'the sleep to stop');
    }
    // Read-write mode has the same limit.
    expect(await reasonOf(driver.execute(a, request(engine.sleep(60), { timeoutMs: 500, readOnly: false })))).toBe(
      DatabaseExceptionReason.QUERY_TIMEOUT,
    );
    await waitFor(async () => (await engine.sleeping(admin, a.username)) === 0, 10_000, 'the sleep to stop');
  });

  it('truncates at maxRows and at maxBytes', async () => {
    const byRows = await driver.execute(a, request(engine.series(5_000), { maxRows: 10 }));
    expect(byRows.rows).toHaveLength(10);
    expect(byRows.rows[9]![0]).toBe(10);
    expect(byRows.rowCount).toBe(10);
    expect(byRows.truncated).toBe(true);

    const exact = await driver.execute(a, request(engine.series(10), { maxRows: 10 }));
    expect(exact.rows).toHaveLength(10);
    expect(exact.truncated).toBe(false);

    const byBytes = await driver.execute(a, request(engine.series(5_000), { maxBytes: 2_000 }));
    expect(byBytes.truncated).toBe(true);
    expect(byBytes.rows.length).toBeGreaterThan(5);
    expect(byBytes.rows.length).toBeLessThan(20);
    expect(Buffer.byteLength(JSON.stringify(byBytes.rows))).toBeLessThanOrEqual(2_000);
  });

  it('refuses two statements in one, bad SQL and bad parameters with clear reasons', async () => {
    expect(await reasonOf(driver.execute(a, request(engine.twoStatements)))).toBe(
      DatabaseExceptionReason.INVALID_QUERY,
    );
    expect(await reasonOf(driver.execute(a, request(engine.twoStatements, { readOnly: false })))).toBe(
      DatabaseExceptionReason.INVALID_QUERY,
    );
    expect(await reasonOf(driver.execute(a, request('SELEC 1')))).toBe(DatabaseExceptionReason.INVALID_QUERY);
    const [p1] = engine.placeholders;
    expect(await reasonOf(driver.execute(a, request(`SELECT ${p1}`, { params: [] })))).toBe(
      DatabaseExceptionReason.INVALID_QUERY,
    );
    expect(await reasonOf(driver.execute(a, request(engine.failing)))).toBe(DatabaseExceptionReason.QUERY_FAILED);
    for (const [sql, reason] of engine.refusedAnyway) {
      expect([sql, await reasonOf(driver.execute(a, request(sql, { readOnly: false })))]).toEqual([sql, reason]);
    }
    expect(await owner!.rows('SELECT * FROM items ORDER BY id')).toEqual(snapshot);
    try {
      await driver.execute(a, request(engine.failing));
    } catch (error) {
      expect((error as Error).message).not.toContain(a.password);
      expect((error as Error).message.length).toBeGreaterThan(5);
    }
  });

  it('lists tables and describes one', async () => {
    const tables = await driver.listTables(a);
    const names = tables.map((table) => table.name);
    expect(names).toEqual(expect.arrayContaining(['items', 'cheap']));
    expect(tables.find((table) => table.name === 'cheap')).toMatchObject({ kind: 'VIEW', rowEstimate: null });
    expect(tables.find((table) => table.name === 'items')).toMatchObject({ kind: 'TABLE' });

    const info = await driver.tableInfo(a, 'items');
    expect(info).not.toBeNull();
    expect(info!.name).toBe('items');
    expect(info!.kind).toBe('TABLE');
    expect(info!.columns.map((column) => column.name)).toEqual([
      'id',
      'name',
      'price',
      'big',
      'created',
      'day',
      'data',
      'note',
      'doc',
      'flag',
    ]);
    const column = (name: string) => info!.columns.find((each) => each.name === name)!;
    for (const [name, type] of Object.entries(engine.types)) expect([name, column(name).type]).toEqual([name, type]);
    expect(column('id').nullable).toBe(false);
    expect(column('name').nullable).toBe(false);
    expect(column('price').nullable).toBe(true);
    expect(column('note').defaultValue).toContain("'none'");
    expect(column('price').defaultValue).toBeNull();
    expect(info!.indexes).toEqual(expect.arrayContaining(engine.indexes));
    expect(info!.indexes).toHaveLength(engine.indexes.length);
    await expect(driver.tableInfo(a, 'no_such_table')).resolves.toBeNull();
  });

  it('dumps, and restores the data exactly after it changed', async () => {
    dump = await dumpOf(driver, a);
    const text = dump.toString('utf8');
    expect(text).toContain('items');
    expect(text).not.toContain(a.databaseName);
    expect(text).not.toContain(a.username);
    expect(text).not.toContain(a.password);

    await owner!.run("UPDATE items SET name = 'changed', price = 0");
    await owner!.run('DELETE FROM items WHERE id = 3');
    await owner!.end();
    owner = undefined;

    const seen: number[] = [];
    await driver.restore(a, Readable.from([dump.subarray(0, 1000), dump.subarray(1000)]), (bytes) => seen.push(bytes));
    expect(seen.at(-1)).toBe(dump.length);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));

    owner = await engine.connect(driver.connectionString(a));
    expect(await owner.rows('SELECT * FROM items ORDER BY id')).toEqual(snapshot);
    const after = await driver.execute(a, request('SELECT * FROM items ORDER BY id'));
    expect(after.rows[0]).toEqual(engine.firstRow);
    await expect(driver.exists(a)).resolves.toEqual({ database: true, user: true });
    // Still isolated after the restore recreated the database.
    expect(await canConnect(engine, urlAs(engine, driver, b, a.databaseName))).toBe(false);
  });

  it("restores one database's dump into another owned by another user", async () => {
    await provision(c);
    await driver.restore(c, Readable.from([dump]));
    const client = await engine.connect(driver.connectionString(c));
    try {
      expect(await client.rows('SELECT * FROM items ORDER BY id')).toEqual(snapshot);
      // The restored objects are c's own: it writes to them.
      await client.run("INSERT INTO items (id, name) VALUES (9, 'mine')");
    } finally {
      await client.end();
    }
    expect((await driver.listTables(c)).map((table) => table.name)).toEqual(expect.arrayContaining(['items', 'cheap']));
  });

  it('fails a restore of something that is not a dump with the program’s message, never the password, leaving the data', async () => {
    const input = new PassThrough();
    input.end('THIS IS NOT SQL;\n');
    const failure = await driver.restore(c, input).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(failure!.message).toMatch(/syntax|error/i);
    expect(failure!.message).not.toContain(c.password);
    const client = await engine.connect(driver.connectionString(c));
    try {
      if (engine.failedRestoreKeepsData) {
        expect(await client.rows('SELECT * FROM items WHERE id < 9 ORDER BY id')).toEqual(snapshot);
      } else {
        expect((await driver.listTables(c)).map((table) => table.name)).toEqual([]);
      }
    } finally {
      await client.end();
    }
  });

  it('gives a new password: the old one is refused, the new one works', async () => {
    const rotated = { ...b, password: randomBytes(24).toString('base64url') };
    await driver.setPassword(rotated);
    expect(await canConnect(engine, driver.connectionString(b))).toBe(false);
    expect(await canConnect(engine, driver.connectionString(rotated))).toBe(true);
    const answer = await driver.execute(rotated, request('SELECT 1 AS one'));
    expect(answer.rows).toEqual([[1]]);
    expect(await reasonOf(driver.execute(b, request('SELECT 1 AS one')))).toBe(
      DatabaseExceptionReason.HOST_UNAVAILABLE,
    );
    b = rotated;
  });

  it('leaves nothing behind when provisioning fails half-way', async () => {
    const target = newTarget();
    occupied.push(target.databaseName);
    await engine.occupy(admin, target.databaseName);
    await expect(driver.provision(target)).rejects.toThrow();
    await expect(driver.exists(target)).resolves.toEqual({ database: true, user: false });
    // Dropping it does not touch a database that is not its own.
    await driver.drop(target);
    await expect(driver.exists(target)).resolves.toEqual({ database: true, user: false });
  });

  it('drops the database and its user, and again when they are gone', async () => {
    await driver.drop(b);
    await expect(driver.exists(b)).resolves.toEqual({ database: false, user: false });
    expect(await canConnect(engine, driver.connectionString(b))).toBe(false);
    await driver.drop(b);
    await expect(driver.exists(b)).resolves.toEqual({ database: false, user: false });
  });

  it('drops a database its user is connected to', async () => {
    const connected = await engine.connect(driver.connectionString(c));
    try {
      await driver.drop(c);
    } finally {
      await connected.end();
    }
    await expect(driver.exists(c)).resolves.toEqual({ database: false, user: false });
  });
});

describe.each([POSTGRES, MYSQL])('the $engine driver against its users’ ways around it', (engine) => {
  let driver: DatabaseEngineDriver;
  let admin: OwnClient;
  const made: DatabaseTarget[] = [];
  const held: OwnClient[] = [];

  const provision = async (target: DatabaseTarget = newTarget()) => {
    made.push(target);
    await driver.provision(target);
    return target;
  };
  const hold = async (url: string) => {
    const client = await engine.connect(url);
    held.push(client);
    return client;
  };

  beforeAll(async () => {
    driver = engine.driver(engine.host());
    admin = await engine.admin(engine.host());
  });

  afterAll(async () => {
    for (const client of held) await client.end();
    for (const target of made) await driver.drop(target).catch(() => undefined);
    await admin.end();
    await driver.close();
  });

  it('ends the sessions opened with the old password when it gives a new one', async () => {
    const target = await provision();
    const session = await hold(driver.connectionString(target));
    await session.rows('SELECT 1 AS one');
    await driver.setPassword({ ...target, password: randomBytes(24).toString('base64url') });
    await waitFor(
      async () =>
        session.rows('SELECT 1 AS one').then(
          () => false,
          () => true,
        ),
      10_000,
      'the old session to end',
    );
  });

  it('cancels a runaway statement while the user holds every connection it may open', async () => {
    const target = await provision();
    // 20 connections per user: the console's is the last one left.
    for (let i = 0; i < 19; i++) await hold(driver.connectionString(target));
    // A statement that outlives the server's own limit, so that only the backstop ends it.
    const sql =
      engine.engine === 'POSTGRESQL'
        ? 'DO $$ BEGIN LOOP BEGIN PERFORM pg_sleep(10); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$'
        : engine.sleepsPastTimeout(60).at(-1)!;
    expect(await reasonOf(driver.execute(target, request(sql, { timeoutMs: 500 })))).toBe(
      DatabaseExceptionReason.QUERY_TIMEOUT,
    );
    await waitFor(async () => (await engine.sleeping(admin, target.username)) === 0, 15_000, 'the sleep to stop');
  }, 60_000);
});

describe('the POSTGRESQL driver against its users’ ways around it', () => {
  let driver: DatabaseEngineDriver;
  let admin: OwnClient;
  const made: DatabaseTarget[] = [];
  const held: OwnClient[] = [];

  const provision = async () => {
    const target = newTarget();
    made.push(target);
    await driver.provision(target);
    return target;
  };
  const as = async (target: DatabaseTarget, database = target.databaseName) => {
    const client = await pgClient(urlAs(POSTGRES, driver, target, database));
    held.push(client);
    return client;
  };

  beforeAll(async () => {
    driver = createPostgresDriver(POSTGRES.host());
    admin = await pgClient(POSTGRES.host().adminUrl);
  });

  afterAll(async () => {
    for (const client of held) await client.end();
    for (const target of made) await driver.drop(target).catch(() => undefined);
    await admin.end();
    await driver.close();
  });

  it('drops a user another user granted to, one with default privileges elsewhere, and a template', async () => {
    const granted = await provision();
    const grantor = await provision();
    const grantorSession = await as(grantor);
    await grantorSession.run('CREATE TABLE shared (id int)');
    await grantorSession.run(`GRANT SELECT ON shared TO "${granted.username}"`);

    const defaults = await provision();
    const elsewhere = await as(defaults, 'postgres');
    await elsewhere.run(`ALTER DEFAULT PRIVILEGES FOR ROLE "${defaults.username}" GRANT SELECT ON TABLES TO PUBLIC`);
    await elsewhere.end();

    const template = await provision();
    await driver.execute(
      template,
      request(`ALTER DATABASE "${template.databaseName}" IS_TEMPLATE true`, { readOnly: false }),
    );

    for (const target of [granted, defaults, template]) {
      await driver.drop(target);
      await expect(driver.exists(target)).resolves.toEqual({ database: false, user: false });
    }
    // The grantor keeps its table.
    expect(await grantorSession.rows('SELECT count(*)::int AS n FROM shared')).toEqual([{ n: 0 }]);
  });

  it('restores while the user holds a session on the database being loaded', async () => {
    const target = await provision();
    const own = await as(target);
    await own.run('CREATE TABLE keep (x int)');
    await own.run('INSERT INTO keep VALUES (42)');
    const dump = await dumpOf(driver, target);
    await own.run('UPDATE keep SET x = 7');
    await own.end();

    const staging = `${target.databaseName}_restoring`;
    const input = new PassThrough();
    input.write(dump.subarray(0, 100));
    const restored = driver.restore(target, input);
    await waitFor(
      async () => (await admin.rows('SELECT 1 FROM pg_database WHERE datname = $1', [staging])).length > 0,
      15_000,
      'the staging database',
    );
    // Connecting as the owner before the load ends: the restore must not lose the database.
    const onStaging = await waitFor(
      () => as(target, staging).catch(() => undefined),
      15_000,
      'a session on the staging database',
    );
    await onStaging.rows('SELECT 1 AS one');
    input.end(dump.subarray(100));
    await restored;
    await expect(driver.exists(target)).resolves.toEqual({ database: true, user: true });
    const after = await as(target);
    expect(await after.rows('SELECT x FROM keep')).toEqual([{ x: 42 }]);
    expect(
      await admin.rows('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${target.databaseName}%`]),
    ).toEqual([{ datname: target.databaseName }]);
  }, 60_000);
});

describe('the MYSQL driver against its users’ ways around it', () => {
  let driver: DatabaseEngineDriver;
  const made: DatabaseTarget[] = [];

  /** Leaves a prepared XA transaction holding a lock in the database, after its session ended. */
  const prepareAndLeave = async (target: DatabaseTarget, xid: string) => {
    const session = await mysqlClient(driver.connectionString(target));
    await session.run('CREATE TABLE IF NOT EXISTS locked (x INT) ENGINE = InnoDB');
    await session.run(`XA START '${xid}'`);
    await session.run('INSERT INTO locked VALUES (1)');
    await session.run(`XA END '${xid}'`);
    await session.run(`XA PREPARE '${xid}'`);
    await session.end();
  };

  beforeAll(() => {
    driver = createMysqlDriver(MYSQL.host());
  });

  afterAll(async () => {
    for (const target of made) await driver.drop(target).catch(() => undefined);
    await driver.close();
  });

  it('restores and drops a database a prepared XA transaction left locked', async () => {
    const target = newTarget();
    made.push(target);
    await driver.provision(target);
    const own = await mysqlClient(driver.connectionString(target));
    await own.run('CREATE TABLE keep (x INT)');
    await own.run('INSERT INTO keep VALUES (42)');
    await own.end();
    const dump = await dumpOf(driver, target);

    await prepareAndLeave(target, `held_${target.username}`);
    await driver.restore(target, Readable.from([dump]));
    const after = await mysqlClient(driver.connectionString(target));
    try {
      expect(await after.rows('SELECT x FROM keep')).toEqual([{ x: 42 }]);
    } finally {
      await after.end();
    }

    await prepareAndLeave(target, `again_${target.username}`);
    await driver.drop(target);
    await expect(driver.exists(target)).resolves.toEqual({ database: false, user: false });
  }, 90_000);
});
