import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import {
  Client,
  DatabaseError,
  Pool,
  escapeIdentifier,
  escapeLiteral,
  types,
  type ClientConfig,
  type PoolClient,
  type QueryResult as PgResult,
} from 'pg';
import Cursor from 'pg-cursor';
import { DatabaseException, DatabaseExceptionReason } from '../database.exception';
import type {
  ColumnInfo,
  DatabaseEngineDriver,
  DatabaseHost,
  DatabaseTarget,
  IndexInfo,
  QueryRequest,
  QueryResult,
  RestoreProgress,
  TableInfo,
  TableKind,
  TableSummary,
} from './database-engine';
import { baseEnv, runProgram } from './sql-programs';
import { RowCollector, assertPlatformName, scrub, serverAddress, urlHost } from './sql-values';

const DEFAULT_PORT = 5432;
const CONNECT_TIMEOUT_MS = 5_000;
/** How long past its timeout a statement may go unanswered before the connection is given up. */
const BACKSTOP_MS = 3_000;
/** Connections one database's user may hold at once. */
const CONNECTION_LIMIT = 20;
/** Rows read from the server per round trip. */
const BATCH_ROWS = 500;
/** How long listTables / tableInfo may run. */
const CATALOG_TIMEOUT_MS = 15_000;
/** How often a rename is tried while sessions on the database end. */
const RENAME_ATTEMPTS = 25;
/** The most tables listTables returns. */
const MAX_TABLES = 10_000;

/** SQLSTATEs of a statement the server would not take as written. */
const INVALID_QUERY_STATES = new Set(['42601', '08P01', '22P02', '42P18', '42P02']);
/** SQLSTATEs that mean the database's user could not get a session. */
const UNAVAILABLE_STATES = new Set(['28P01', '28000', '3D000', '53300', '57P01', '57P02', '57P03']);
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** Types whose server text is kept as it is: dates and times (exact, in UTC), intervals, binary (`\x…` hex). */
const TEXT_KEPT_OIDS = new Set([
  17, // bytea
  1001, // bytea[]
  1082, // date
  1182, // date[]
  1083, // time
  1183, // time[]
  1114, // timestamp
  1115, // timestamp[]
  1184, // timestamptz
  1185, // timestamptz[]
  1186, // interval
  1187, // interval[]
  1266, // timetz
  1270, // timetz[]
]);

const CONSOLE_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    TEXT_KEPT_OIDS.has(oid)
      ? (value: string) => value
      : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
};

/**
 * A SCRAM-SHA-256 verifier of the password, so the password itself never reaches the server (nor
 * its logs when a statement fails); the server accepts it in place of a clear password.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** A cursor that refuses COPY … FROM STDIN (nothing is sent) and drops COPY … TO STDOUT data. */
class ConsoleCursor extends Cursor {
  copyRefused = false;

  handleCopyInResponse(connection: { sendCopyFail(message: string): void }): void {
    this.copyRefused = true;
    connection.sendCopyFail('the query console sends no COPY data');
  }

  handleCopyData(): void {
    // COPY … TO STDOUT: the data is not part of the answer.
  }
}

function readBatch(cursor: Cursor, rows: number): Promise<{ rows: unknown[][]; result: PgResult }> {
  return new Promise((resolve, reject) => {
    cursor.read(rows, (error, batch, result) =>
      error ? reject(error) : resolve({ rows: batch as unknown[][], result }),
    );
  });
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether the error means the server could not be reached or refused the session itself. */
function isUnavailable(error: unknown): boolean {
  const code = errorCode(error);
  if (error instanceof DatabaseError)
    return code !== undefined && (UNAVAILABLE_STATES.has(code) || code.startsWith('08'));
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /timeout expired|connection terminated|connection timeout|ECONNREFUSED|socket hang up/i.test(message);
}

/** The POSTGRESQL driver (see `DatabaseEngineDriver`). */
export function createPostgresDriver(host: DatabaseHost): DatabaseEngineDriver {
  return new PostgresDriver(host);
}

class PostgresDriver implements DatabaseEngineDriver {
  readonly engine = 'POSTGRESQL' as const;
  private readonly pool: Pool;
  private readonly address: { host: string; port: number };
  private readonly sslMode: string | null;

  constructor(private readonly host: DatabaseHost) {
    this.address = serverAddress(host.adminUrl, DEFAULT_PORT);
    this.sslMode = new URL(host.adminUrl).searchParams.get('sslmode');
    this.pool = new Pool({
      connectionString: host.adminUrl,
      max: 4,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      application_name: 'slipway-admin',
    });
    // An idle admin connection the server closed: the pool replaces it on next use.
    this.pool.on('error', () => undefined);
  }

  // ---------------------------------------------------------------------------------------------
  // Administration (the host's admin connection)

  async provision(target: DatabaseTarget): Promise<void> {
    const database = assertPlatformName(target.databaseName, 'the database name');
    const user = assertPlatformName(target.username, 'the user name');
    const made = { role: false, database: false };
    try {
      await this.admin(async (client) => {
        const role = await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [user]);
        const attributes =
          'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS ' +
          `CONNECTION LIMIT ${CONNECTION_LIMIT} PASSWORD ${escapeLiteral(scramVerifier(target.password))}`;
        if (role.rowCount === 0) {
          await client.query(`CREATE ROLE ${escapeIdentifier(user)} ${attributes}`);
          made.role = true;
        } else {
          await client.query(`ALTER ROLE ${escapeIdentifier(user)} ${attributes}`);
        }
        const owner = await this.ownerOf(client, database);
        if (owner === null) {
          await client.query(`CREATE DATABASE ${escapeIdentifier(database)} OWNER ${escapeIdentifier(user)}`);
          made.database = true;
        } else if (owner !== user) {
          throw new Error(`a database named ${database} already exists on the server and belongs to another role`);
        }
      });
      await this.secure(database, user);
    } catch (error) {
      await this.admin(async (client) => {
        if (made.database) await client.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(database)} WITH (FORCE)`);
        if (made.role) await client.query(`DROP ROLE IF EXISTS ${escapeIdentifier(user)}`);
      }).catch(() => undefined);
      throw error;
    }
  }

  async drop(target: Pick<DatabaseTarget, 'databaseName' | 'username'>): Promise<void> {
    const database = assertPlatformName(target.databaseName, 'the database name');
    const user = assertPlatformName(target.username, 'the user name');
    const referencing = await this.admin(async (client) => {
      const role = await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [user]);
      if (role.rowCount !== 0) {
        // No new sessions, then none left: the user cannot race the drop.
        await client.query(`ALTER ROLE ${escapeIdentifier(user)} NOLOGIN`);
        await this.terminateSessionsOf(client, user);
      }
      // Only the user's own database: a database of that name belonging to someone else is left alone.
      for (const name of [database, stagingName(database), previousName(database)]) {
        if ((await this.ownerOf(client, name)) === user) await this.dropDatabase(client, name);
      }
      if (role.rowCount === 0) return [];
      // The databases holding something of the role's, or granted to it (by another role, say),
      // or its default privileges: DROP ROLE refuses while any of them does.
      const databases = await client.query<{ datname: string }>(
        `SELECT DISTINCT d.datname FROM pg_catalog.pg_shdepend s
           JOIN pg_catalog.pg_database d ON d.oid = s.dbid
          WHERE s.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass
            AND s.refobjid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)
            AND d.datallowconn`,
        [user],
      );
      return databases.rows.map((row) => row.datname);
    });
    const adminDatabase = decodeURIComponent(new URL(this.host.adminUrl).pathname.slice(1)) || 'postgres';
    for (const name of new Set([...referencing, adminDatabase, 'postgres'])) {
      await this.inDatabase(name, async (client) => {
        const role = await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [user]);
        if (role.rowCount === 0) return;
        await client.query(`REASSIGN OWNED BY ${escapeIdentifier(user)} TO CURRENT_USER`);
        await client.query(`DROP OWNED BY ${escapeIdentifier(user)}`);
      }).catch((error: unknown) => {
        // A database gone meanwhile has nothing left to clear.
        if (errorCode(error) !== '3D000' && !(error instanceof DatabaseException)) throw error;
      });
    }
    await this.admin((client) => client.query(`DROP ROLE IF EXISTS ${escapeIdentifier(user)}`));
  }

  async setPassword(target: DatabaseTarget): Promise<void> {
    const user = assertPlatformName(target.username, 'the user name');
    await this.admin(async (client) => {
      await client.query(
        `ALTER ROLE ${escapeIdentifier(user)} PASSWORD ${escapeLiteral(scramVerifier(target.password))}`,
      );
      // The old password stops working at once: sessions opened with it end too.
      await this.terminateSessionsOf(client, user);
    });
  }

  async exists(
    target: Pick<DatabaseTarget, 'databaseName' | 'username'>,
  ): Promise<{ database: boolean; user: boolean }> {
    return this.admin(async (client) => {
      const result = await client.query<{ database: boolean; user: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1) AS database, ' +
          'EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $2) AS user',
        [target.databaseName, target.username],
      );
      const row = result.rows[0];
      return { database: row?.database === true, user: row?.user === true };
    });
  }

  connectionString(target: DatabaseTarget): string {
    const user = encodeURIComponent(target.username);
    const password = encodeURIComponent(target.password);
    return `postgresql://${user}:${password}@${urlHost(this.host.host)}:${this.host.port}/${encodeURIComponent(target.databaseName)}`;
  }

  // ---------------------------------------------------------------------------------------------
  // The database's own user

  async execute(target: DatabaseTarget, request: QueryRequest): Promise<QueryResult> {
    const started = performance.now();
    const client = this.userClient(target, request.timeoutMs, request.readOnly);
    const pid = (): number | undefined => (client as unknown as { processID?: number }).processID;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const backstop = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        void this.terminateBackend(target, pid());
        destroyClient(client);
        reject(this.timeoutError(request.timeoutMs));
      }, request.timeoutMs + BACKSTOP_MS);
    });
    backstop.catch(() => undefined);
    const cursor = new ConsoleCursor(request.query, [...request.params], { rowMode: 'array' });
    try {
      const answer = await Promise.race([
        backstop,
        (async (): Promise<QueryResult> => {
          await client.connect();
          if (request.readOnly) await client.query('BEGIN READ ONLY');
          client.query(cursor);
          const collector = new RowCollector(request.maxRows, request.maxBytes, '\\x');
          let last: PgResult | undefined;
          for (;;) {
            const wanted = Math.min(BATCH_ROWS, request.maxRows + 1);
            const batch = await readBatch(cursor, wanted);
            last = batch.result ?? last;
            for (const row of batch.rows) if (!collector.add(row)) break;
            // Fewer rows than asked for: the statement completed.
            if (batch.rows.length < wanted || collector.full) break;
          }
          await cursor.close();
          if (request.readOnly) await client.query('ROLLBACK');
          const fields = last?.fields ?? [];
          return {
            columns: fields.map((field) => field.name),
            rows: collector.rows,
            rowCount: fields.length > 0 ? collector.rows.length : (last?.rowCount ?? 0),
            truncated: collector.truncated,
            durationMs: Math.round(performance.now() - started),
          };
        })(),
      ]);
      return answer;
    } catch (error) {
      if (timedOut) throw this.timeoutError(request.timeoutMs);
      throw this.queryError(error, target, cursor.copyRefused);
    } finally {
      clearTimeout(timer);
      await endClient(client);
    }
  }

  async listTables(target: DatabaseTarget): Promise<TableSummary[]> {
    return this.asUser(target, async (client) => {
      const result = await client.query<{ schema: string; name: string; relkind: string; reltuples: number }>(
        `SELECT n.nspname AS schema, c.relname AS name, c.relkind, c.reltuples
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
            AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
            AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
          ORDER BY n.nspname <> 'public', n.nspname, c.relname
          LIMIT ${MAX_TABLES}`,
      );
      return result.rows.map((row) => summary(row.schema, row.name, row.relkind, row.reltuples));
    });
  }

  async tableInfo(target: DatabaseTarget, table: string): Promise<TableInfo | null> {
    return this.asUser(target, async (client) => {
      const candidates: [string, string][] = [['public', table]];
      const dot = table.indexOf('.');
      if (dot > 0) candidates.push([table.slice(0, dot), table.slice(dot + 1)]);
      let found: { oid: number; schema: string; name: string; relkind: string; reltuples: number } | undefined;
      for (const [schema, name] of candidates) {
        const result = await client.query<{
          oid: number;
          schema: string;
          name: string;
          relkind: string;
          reltuples: number;
        }>(
          `SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind, c.reltuples
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'f', 'v', 'm')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
          [schema, name],
        );
        found = result.rows[0];
        if (found) break;
      }
      if (!found) return null;
      const columns = await client.query<{ name: string; type: string; nullable: boolean; default: string | null }>(
        `SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
                CASE WHEN a.attidentity = 'a' THEN 'GENERATED ALWAYS AS IDENTITY'
                     WHEN a.attidentity = 'd' THEN 'GENERATED BY DEFAULT AS IDENTITY'
                     WHEN a.attgenerated = 's' THEN 'GENERATED ALWAYS AS (' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) || ') STORED'
                     ELSE pg_catalog.pg_get_expr(d.adbin, d.adrelid) END AS default
           FROM pg_catalog.pg_attribute a
           LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
          ORDER BY a.attnum`,
        [found.oid],
      );
      const indexes = await client.query<{ name: string; columns: string[]; unique: boolean; primary: boolean }>(
        `SELECT i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
                ARRAY(SELECT pg_catalog.pg_get_indexdef(x.indexrelid, k, true)
                        FROM pg_catalog.generate_series(1, x.indnkeyatts) AS k ORDER BY k) AS columns
           FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
          WHERE x.indrelid = $1
          ORDER BY x.indisprimary DESC, i.relname`,
        [found.oid],
      );
      return {
        ...summary(found.schema, found.name, found.relkind, found.reltuples),
        columns: columns.rows.map((row): ColumnInfo => ({
          name: row.name,
          type: row.type,
          nullable: row.nullable,
          defaultValue: row.default,
        })),
        indexes: indexes.rows.map((row): IndexInfo => ({
          name: row.name,
          columns: row.columns,
          unique: row.unique,
          primary: row.primary,
        })),
      };
    });
  }

  async dump(target: DatabaseTarget, out: Writable): Promise<void> {
    assertPlatformName(target.databaseName, 'the database name');
    await runProgram({
      command: 'pg_dump',
      args: [
        '--format=plain',
        '--no-owner',
        '--no-privileges',
        '--quote-all-identifiers',
        '--no-tablespaces',
        '--no-subscriptions',
        '--no-security-labels',
        '--no-password',
      ],
      env: this.programEnv(target),
      output: out,
      secrets: [target.password],
    });
  }

  /**
   * Loads the dump into a fresh staging database of the user's, in one transaction, and only
   * then puts it in the database's place: a dump that fails to load leaves the database as it was.
   */
  async restore(target: DatabaseTarget, input: Readable, progress?: RestoreProgress): Promise<void> {
    const database = assertPlatformName(target.databaseName, 'the database name');
    const user = assertPlatformName(target.username, 'the user name');
    const staging = stagingName(database);
    await this.admin(async (client) => {
      const owner = await this.ownerOf(client, database);
      if (owner !== null && owner !== user) {
        throw new Error(`the database ${database} on the server belongs to another role`);
      }
      if ((await this.ownerOf(client, staging)) === user) await this.dropDatabase(client, staging);
      await client.query(`CREATE DATABASE ${escapeIdentifier(staging)} OWNER ${escapeIdentifier(user)}`);
    });
    try {
      await this.secure(staging, user);
      await runProgram({
        command: 'psql',
        args: ['--no-psqlrc', '--no-password', '--quiet', '--single-transaction', '--set=ON_ERROR_STOP=1'],
        env: { ...this.programEnv(target), PGDATABASE: staging },
        input,
        progress,
        secrets: [target.password],
      });
    } catch (error) {
      await this.admin((client) => this.dropDatabase(client, staging)).catch(() => undefined);
      throw error;
    }
    await this.admin(async (client) => {
      // The live database is dropped last, once the restored one has its name: a rename that fails
      // leaves the live database in place.
      const previous = previousName(database);
      if ((await this.ownerOf(client, previous)) === user) await this.dropDatabase(client, previous);
      await client.query(`ALTER DATABASE ${escapeIdentifier(staging)} IS_TEMPLATE false`);
      const live = (await this.ownerOf(client, database)) === user;
      if (live) {
        await client.query(`ALTER DATABASE ${escapeIdentifier(database)} IS_TEMPLATE false`);
        await this.renameDatabase(client, database, previous);
      }
      try {
        await this.renameDatabase(client, staging, database);
      } catch (error) {
        if (live) await this.renameDatabase(client, previous, database);
        throw error;
      }
      if (live) await this.dropDatabase(client, previous);
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  // ---------------------------------------------------------------------------------------------

  private async admin<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.unavailable(error);
    }
    try {
      return await work(client);
    } catch (error) {
      throw isUnavailable(error) ? this.unavailable(error) : error;
    } finally {
      client.release();
    }
  }

  /** Runs `work` as the admin, connected to one of the managed databases. */
  private async inDatabase<T>(database: string, work: (client: Client) => Promise<T>): Promise<T> {
    const url = new URL(this.host.adminUrl);
    url.pathname = `/${encodeURIComponent(database)}`;
    const client = new Client({
      connectionString: url.toString(),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'slipway-admin',
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await work(client);
    } catch (error) {
      throw isUnavailable(error) ? this.unavailable(error) : error;
    } finally {
      await endClient(client);
    }
  }

  private async ownerOf(client: PoolClient, database: string): Promise<string | null> {
    const result = await client.query<{ owner: string }>(
      'SELECT pg_catalog.pg_get_userbyid(datdba) AS owner FROM pg_catalog.pg_database WHERE datname = $1',
      [database],
    );
    return result.rows[0]?.owner ?? null;
  }

  /** No one but its owner reaches the database: PUBLIC loses CONNECT and TEMP, the public schema is the user's. */
  private async secure(database: string, user: string): Promise<void> {
    await this.admin(async (client) => {
      await client.query(`REVOKE ALL ON DATABASE ${escapeIdentifier(database)} FROM PUBLIC`);
      // Whoever got in between CREATE DATABASE and the REVOKE is let go.
      await client.query(
        `SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity
          WHERE datname = $1 AND usename IS DISTINCT FROM $2 AND usename IS DISTINCT FROM CURRENT_USER`,
        [database, user],
      );
    });
    await this.inDatabase(database, async (client) => {
      await client.query(`ALTER SCHEMA public OWNER TO ${escapeIdentifier(user)}`);
      await client.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
    });
  }

  /** A client connecting as the database's user to its database, at the admin URL's address. */
  private userClient(target: DatabaseTarget, timeoutMs: number, readOnly: boolean): Client {
    const url = new URL(this.host.adminUrl);
    url.username = encodeURIComponent(target.username);
    url.password = encodeURIComponent(target.password);
    url.pathname = `/${encodeURIComponent(target.databaseName)}`;
    const options = ['-c TimeZone=UTC', ...(readOnly ? ['-c default_transaction_read_only=on'] : [])];
    const config: ClientConfig = {
      connectionString: url.toString(),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: timeoutMs,
      idle_in_transaction_session_timeout: timeoutMs + BACKSTOP_MS,
      application_name: 'slipway-console',
      options: options.join(' '),
      types: CONSOLE_TYPES,
    };
    const client = new Client(config);
    // A socket error after the answer (the server closed the session): nothing is waiting on it.
    client.on('error', () => undefined);
    return client;
  }

  private async asUser<T>(target: DatabaseTarget, work: (client: Client) => Promise<T>): Promise<T> {
    const client = this.userClient(target, CATALOG_TIMEOUT_MS, true);
    try {
      await client.connect();
      return await work(client);
    } catch (error) {
      throw this.queryError(error, target, false);
    } finally {
      await endClient(client);
    }
  }

  /**
   * Ends a runaway statement from an admin session (the user may hold all its connections), only
   * if that session is still the user's.
   */
  private async terminateBackend(target: DatabaseTarget, pid: number | undefined): Promise<void> {
    if (pid === undefined) return;
    await this.admin((client) =>
      client.query(
        'SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE pid = $1 AND usename = $2',
        [pid, target.username],
      ),
    ).catch(() => undefined);
  }

  /** Ends every session of the user. */
  private async terminateSessionsOf(client: PoolClient, user: string): Promise<void> {
    await client.query(
      'SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = $1 AND pid <> pg_catalog.pg_backend_pid()',
      [user],
    );
  }

  /** Drops a database, even one its user made a template. */
  private async dropDatabase(client: PoolClient, name: string): Promise<void> {
    await client.query(`ALTER DATABASE ${escapeIdentifier(name)} IS_TEMPLATE false`);
    await client.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
  }

  /** Renames a database, ending the sessions on it first (a session on it makes the rename fail). */
  private async renameDatabase(client: PoolClient, from: string, to: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await client.query(
        'SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()',
        [from],
      );
      try {
        await client.query(`ALTER DATABASE ${escapeIdentifier(from)} RENAME TO ${escapeIdentifier(to)}`);
        return;
      } catch (error) {
        // 55006: a session was still on its way out, or a new one came in.
        if (errorCode(error) !== '55006' || attempt >= RENAME_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** Settings of pg_dump and psql: everything through the environment, the password never in argv. */
  private programEnv(target: DatabaseTarget): Record<string, string> {
    return {
      ...baseEnv(),
      PGHOST: this.address.host,
      PGPORT: String(this.address.port),
      PGUSER: target.username,
      PGDATABASE: target.databaseName,
      PGPASSWORD: target.password,
      PGCONNECT_TIMEOUT: String(CONNECT_TIMEOUT_MS / 1000),
      PGAPPNAME: 'slipway-backup',
      PGTZ: 'UTC',
      PGCLIENTENCODING: 'UTF8',
      PGPASSFILE: '/dev/null',
      PGSERVICEFILE: '/dev/null',
      ...(this.sslMode ? { PGSSLMODE: this.sslMode } : {}),
    };
  }

  private timeoutError(timeoutMs: number): DatabaseException {
    return new DatabaseException(
      DatabaseExceptionReason.QUERY_TIMEOUT,
      `The statement ran longer than ${timeoutMs} ms and was canceled`,
    );
  }

  private unavailable(error: unknown): DatabaseException {
    const message = error instanceof Error ? error.message : String(error);
    return new DatabaseException(
      DatabaseExceptionReason.HOST_UNAVAILABLE,
      `The POSTGRESQL server could not be reached: ${scrub(message, [new URL(this.host.adminUrl).password])}`,
    );
  }

  private queryError(error: unknown, target: DatabaseTarget, copyRefused: boolean): Error {
    if (error instanceof DatabaseException) return error;
    const message = scrub(error instanceof Error ? error.message : String(error), [target.password]);
    const code = errorCode(error);
    if (error instanceof DatabaseError) {
      const details = code ? { sqlState: code } : undefined;
      if (copyRefused) {
        return new DatabaseException(
          DatabaseExceptionReason.INVALID_QUERY,
          'COPY … FROM STDIN is not available in the query console',
          details,
        );
      }
      if (code === '57014') {
        return new DatabaseException(
          DatabaseExceptionReason.QUERY_TIMEOUT,
          `The statement was canceled: ${message}`,
          details,
        );
      }
      if (code === '25006') return new DatabaseException(DatabaseExceptionReason.READ_ONLY_VIOLATION, message, details);
      if (code && INVALID_QUERY_STATES.has(code)) {
        return new DatabaseException(DatabaseExceptionReason.INVALID_QUERY, message, details);
      }
    }
    if (isUnavailable(error)) {
      return new DatabaseException(
        DatabaseExceptionReason.HOST_UNAVAILABLE,
        `The database's server could not be reached as its user: ${message}`,
      );
    }
    if (error instanceof DatabaseError) {
      return new DatabaseException(
        DatabaseExceptionReason.QUERY_FAILED,
        message,
        code ? { sqlState: code } : undefined,
      );
    }
    // The driver refused the statement before sending it (a parameter it cannot send, …).
    return new DatabaseException(DatabaseExceptionReason.INVALID_QUERY, message);
  }
}

/** The database a restore loads into before it takes the database's place. */
function stagingName(database: string): string {
  return assertPlatformName(`${database}_restoring`, 'the staging database name');
}

/** The name the live database has during a restore, until the restored one has taken its place. */
function previousName(database: string): string {
  return assertPlatformName(`${database}_previous`, 'the previous database name');
}

function summary(schema: string, name: string, relkind: string, reltuples: number): TableSummary {
  const kind: TableKind = relkind === 'v' || relkind === 'm' ? 'VIEW' : 'TABLE';
  return {
    name: schema === 'public' ? name : `${schema}.${name}`,
    kind,
    rowEstimate: relkind === 'v' || reltuples < 0 ? null : Math.round(reltuples),
  };
}

function destroyClient(client: Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  stream?.destroy();
}

async function endClient(client: Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.end().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        destroyClient(client);
        resolve();
      }, 2_000);
    }),
  ]);
  clearTimeout(timer);
}
