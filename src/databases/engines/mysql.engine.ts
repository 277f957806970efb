import { createHash, randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { createConnection, type Connection, type ConnectionOptions, type FieldPacket, type QueryError } from 'mysql2';
import { createPool, type Pool, type PoolConnection, type RowDataPacket } from 'mysql2/promise';
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
import { DefinerFilter } from './definer-filter';
import { baseEnv, runProgram } from './sql-programs';
import { RowCollector, assertPlatformName, scrub, serverAddress, urlHost } from './sql-values';

const DEFAULT_PORT = 3306;
const CONNECT_TIMEOUT_MS = 5_000;
/** How long past its timeout a statement may run before it is killed from another session. */
const BACKSTOP_MS = 2_000;
/** How long a killed statement may take to answer before the connection is given up. */
const KILL_WAIT_MS = 3_000;
/** How long an admin statement waits for a lock a user's session holds. */
const ADMIN_LOCK_WAIT_S = 30;
/** How long a DROP DATABASE waits for a lock before prepared XA transactions are rolled back. */
const DROP_LOCK_WAIT_S = 5;
/** An XID as `XA RECOVER FORMAT='SQL'` shows it. */
const XID_LITERAL = /^('[^'\\]*'|X'[0-9A-Fa-f]*')(,('[^'\\]*'|X'[0-9A-Fa-f]*')(,\d+)?)?$/;
/** How long an admin statement may run. */
const ADMIN_STATEMENT_S = 300;
/** Connections one database's user may hold at once. */
const CONNECTION_LIMIT = 20;
const CATALOG_TIMEOUT_MS = 15_000;
const MAX_TABLES = 10_000;
const CHARSET = 'utf8mb4';
const COLLATION = 'utf8mb4_unicode_ci';

const ER_STATEMENT_TIMEOUT = 1969;
const ER_QUERY_INTERRUPTED = 1317;
const ER_READ_ONLY_TRANSACTION = 1792;
/** XAER_RMFAIL: the statement would end the active XA transaction (a commit, implicit or not). */
const ER_XA_ACTIVE = 1399;
/** Errors of a statement the server would not take as written: syntax, empty query, wrong arguments. */
const INVALID_QUERY_ERRNOS = new Set([1064, 1065, 1210]);
/** Errors that mean the database's user could not get a session: access denied at login, unknown database, too many connections. */
const UNAVAILABLE_ERRNOS = new Set([1040, 1045, 1049, 1129, 1130, 1203, 1226, 1251]);
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

/** The mysql_native_password hash of a password, so the password itself never reaches the server's logs. */
export function nativePasswordHash(password: string): string {
  const once = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(once).digest('hex').toUpperCase()}`;
}

/** `name` quoted as a MariaDB identifier. */
function quoteName(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** A database name for GRANT, where `_` and `%` are wildcards unless escaped. */
function grantName(name: string): string {
  return quoteName(name.replace(/[\\_%]/g, (c) => `\\${c}`));
}

/** A parameter as mysql2 sends it: plain values as they are, lists of values as lists, anything else as JSON. */
function parameter(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item) => (Array.isArray(item) ? item.map(parameter) : parameter(item)));
  return JSON.stringify(value);
}

interface MysqlError {
  errno?: number;
  code?: string;
  sqlState?: string;
  sqlMessage?: string;
  message?: string;
}

function asMysqlError(error: unknown): MysqlError {
  return typeof error === 'object' && error !== null ? (error as MysqlError) : {};
}

function isUnavailable(error: unknown): boolean {
  const { errno, code } = asMysqlError(error);
  if (errno !== undefined && UNAVAILABLE_ERRNOS.has(errno)) return true;
  return code !== undefined && UNAVAILABLE_CODES.has(code);
}

/** The MYSQL driver (see `DatabaseEngineDriver`). */
export function createMysqlDriver(host: DatabaseHost): DatabaseEngineDriver {
  return new MysqlDriver(host);
}

class MysqlDriver implements DatabaseEngineDriver {
  readonly engine = 'MYSQL' as const;
  private readonly pool: Pool;
  private readonly address: { host: string; port: number };

  constructor(private readonly host: DatabaseHost) {
    this.address = serverAddress(host.adminUrl, DEFAULT_PORT);
    this.pool = createPool({
      uri: host.adminUrl,
      port: this.address.port,
      connectionLimit: 4,
      maxIdle: 2,
      idleTimeout: 30_000,
      connectTimeout: CONNECT_TIMEOUT_MS,
      multipleStatements: false,
      charset: COLLATION.toUpperCase(),
      flags: ['-LOCAL_FILES'],
    });
    this.pool.pool.on('error', () => undefined);
  }

  // ---------------------------------------------------------------------------------------------
  // Administration (the host's admin connection)

  async provision(target: DatabaseTarget): Promise<void> {
    const database = assertPlatformName(target.databaseName, 'the database name');
    const user = assertPlatformName(target.username, 'the user name');
    const made = { user: false, database: false };
    try {
      await this.admin(async (connection) => {
        const identified = `IDENTIFIED BY PASSWORD ? WITH MAX_USER_CONNECTIONS ${CONNECTION_LIMIT}`;
        const hash = nativePasswordHash(target.password);
        if (await this.userExists(connection, user)) {
          await connection.query(`ALTER USER ?@'%' ${identified}`, [user, hash]);
        } else {
          await connection.query(`CREATE USER ?@'%' ${identified}`, [user, hash]);
          made.user = true;
        }
        if (!(await this.databaseExists(connection, database))) {
          await connection.query(
            `CREATE DATABASE ${quoteName(database)} CHARACTER SET ${CHARSET} COLLATE ${COLLATION}`,
          );
          made.database = true;
        } else if (!(await this.isOwn(connection, database, user))) {
          throw new Error(`a database named ${database} already exists on the server and holds another's tables`);
        }
        await connection.query(`GRANT ALL PRIVILEGES ON ${grantName(database)}.* TO ?@'%'`, [user]);
      });
    } catch (error) {
      await this.admin(async (connection) => {
        if (made.database) await connection.query(`DROP DATABASE IF EXISTS ${quoteName(database)}`);
        if (made.user) await connection.query(`DROP USER IF EXISTS ?@'%'`, [user]);
      }).catch(() => undefined);
      throw error;
    }
  }

  async drop(target: Pick<DatabaseTarget, 'databaseName' | 'username'>): Promise<void> {
    const database = assertPlatformName(target.databaseName, 'the database name');
    const user = assertPlatformName(target.username, 'the user name');
    await this.admin(async (connection) => {
      const userExists = await this.userExists(connection, user);
      // No new sessions, then none left: the user cannot race the drop, nor hold locks on the database.
      if (userExists) await connection.query(`ALTER USER ?@'%' ACCOUNT LOCK`, [user]);
      await this.disconnect(connection, user);
      // Only the user's own database: a database of that name holding someone else's tables is left alone.
      if ((await this.databaseExists(connection, database)) && (await this.isOwn(connection, database, user))) {
        await this.dropDatabase(connection, database);
      }
      await connection.query(`DROP USER IF EXISTS ?@'%'`, [user]);
    });
  }

  async setPassword(target: DatabaseTarget): Promise<void> {
    const user = assertPlatformName(target.username, 'the user name');
    await this.admin(async (connection) => {
      await connection.query(`ALTER USER ?@'%' IDENTIFIED BY PASSWORD ?`, [user, nativePasswordHash(target.password)]);
      // The old password stops working at once: sessions opened with it end too.
      await this.disconnect(connection, user);
    });
  }

  async exists(
    target: Pick<DatabaseTarget, 'databaseName' | 'username'>,
  ): Promise<{ database: boolean; user: boolean }> {
    return this.admin(async (connection) => ({
      database: await this.databaseExists(connection, target.databaseName),
      user: await this.userExists(connection, target.username),
    }));
  }

  connectionString(target: DatabaseTarget): string {
    const user = encodeURIComponent(target.username);
    const password = encodeURIComponent(target.password);
    return `mysql://${user}:${password}@${urlHost(this.host.host)}:${this.host.port}/${encodeURIComponent(target.databaseName)}`;
  }

  // ---------------------------------------------------------------------------------------------
  // The database's own user

  async execute(target: DatabaseTarget, request: QueryRequest): Promise<QueryResult> {
    const started = performance.now();
    const connection = this.userConnection(target);
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    const backstop = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        // The statement got around the server's limit (SET STATEMENT max_statement_time=0 FOR …): kill it.
        killed = true;
        void this.killQuery(target, connection.threadId);
        timer = setTimeout(() => {
          connection.destroy();
          reject(this.timeoutError(request.timeoutMs));
        }, KILL_WAIT_MS);
      }, request.timeoutMs + BACKSTOP_MS);
    });
    backstop.catch(() => undefined);
    try {
      return await Promise.race([
        backstop,
        (async (): Promise<QueryResult> => {
          await connect(connection);
          await run(connection, `SET SESSION max_statement_time = ${(request.timeoutMs / 1000).toFixed(3)}`);
          // Read-only: a read-only XA transaction. In a plain read-only transaction, a statement
          // that commits implicitly (DDL) or a stored procedure that commits and sets its session
          // back to READ WRITE would write; an active XA transaction refuses both (XAER_RMFAIL).
          const xid = `slipway_${randomBytes(12).toString('hex')}`;
          if (request.readOnly) {
            await run(connection, 'SET SESSION TRANSACTION READ ONLY');
            await run(connection, `XA START '${xid}'`);
          }
          const answer = await this.stream(connection, request);
          if (request.readOnly && !answer.truncated) {
            // Closing the connection rolls back too, should the statement have ended the XA transaction.
            await run(connection, `XA END '${xid}'`).then(
              () => run(connection, `XA ROLLBACK '${xid}'`),
              () => undefined,
            );
          }
          return { ...answer, durationMs: Math.round(performance.now() - started) };
        })(),
      ]);
    } catch (error) {
      throw this.queryError(error, target, killed, request.timeoutMs, request.readOnly);
    } finally {
      clearTimeout(timer);
      endConnection(connection);
    }
  }

  async listTables(target: DatabaseTarget): Promise<TableSummary[]> {
    return this.asUser(target, async (connection) => {
      const rows = await select<{ name: string; type: string; rows: number | string | null }>(
        connection,
        `SELECT TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_ROWS AS \`rows\`
           FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
          ORDER BY TABLE_NAME LIMIT ${MAX_TABLES}`,
      );
      return rows.map((row) => summary(row.name, row.type, row.rows));
    });
  }

  async tableInfo(target: DatabaseTarget, table: string): Promise<TableInfo | null> {
    return this.asUser(target, async (connection) => {
      const [found] = await select<{ name: string; type: string; rows: number | string | null }>(
        connection,
        `SELECT TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_ROWS AS \`rows\`
           FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
        [table],
      );
      if (!found) return null;
      const columns = await select<{
        name: string;
        type: string;
        nullable: string;
        defaultValue: string | null;
        extra: string;
        generation: string | null;
      }>(
        connection,
        `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS defaultValue,
                EXTRA AS extra, GENERATION_EXPRESSION AS generation
           FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
          ORDER BY ORDINAL_POSITION`,
        [found.name],
      );
      const statistics = await select<{ name: string; nonUnique: number | string; column: string | null }>(
        connection,
        `SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS \`column\`
           FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
          ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`,
        [found.name],
      );
      const indexes = new Map<string, { name: string; columns: string[]; unique: boolean; primary: boolean }>();
      for (const row of statistics) {
        let index = indexes.get(row.name);
        if (!index) {
          index = { name: row.name, columns: [], unique: Number(row.nonUnique) === 0, primary: row.name === 'PRIMARY' };
          indexes.set(row.name, index);
        }
        if (row.column !== null) index.columns.push(row.column);
      }
      return {
        ...summary(found.name, found.type, found.rows),
        columns: columns.map((row): ColumnInfo => ({
          name: row.name,
          type: row.type,
          nullable: row.nullable === 'YES',
          defaultValue: columnDefault(row.defaultValue, row.extra, row.generation),
        })),
        indexes: [...indexes.values()].map((index): IndexInfo => index),
      };
    });
  }

  async dump(target: DatabaseTarget, out: Writable): Promise<void> {
    const database = assertPlatformName(target.databaseName, 'the database name');
    await runProgram({
      command: 'mariadb-dump',
      args: [
        '--no-defaults',
        ...this.programArgs(target),
        '--single-transaction',
        '--routines',
        '--triggers',
        '--events',
        '--no-tablespaces',
        '--skip-comments',
        '--hex-blob',
        '--tz-utc',
        database,
      ],
      env: this.programEnv(target),
      output: out,
      filter: new DefinerFilter(),
      secrets: [target.password],
    });
  }

  async restore(target: DatabaseTarget, input: Readable, progress?: RestoreProgress): Promise<void> {
    const database = assertPlatformName(target.databaseName, 'the database name');
    const user = assertPlatformName(target.username, 'the user name');
    await this.admin(async (connection) => {
      if ((await this.databaseExists(connection, database)) && !(await this.isOwn(connection, database, user))) {
        throw new Error(`the database ${database} on the server holds another's tables`);
      }
      // Its sessions hold locks DROP DATABASE would wait on, and none may start until the database
      // is back. The grant on `db`.* outlives the database.
      await connection.query(`ALTER USER ?@'%' ACCOUNT LOCK`, [user]);
      try {
        await this.disconnect(connection, user);
        await this.dropDatabase(connection, database);
        await connection.query(`CREATE DATABASE ${quoteName(database)} CHARACTER SET ${CHARSET} COLLATE ${COLLATION}`);
        await connection.query(`GRANT ALL PRIVILEGES ON ${grantName(database)}.* TO ?@'%'`, [user]);
      } finally {
        await connection.query(`ALTER USER ?@'%' ACCOUNT UNLOCK`, [user]);
      }
    });
    await runProgram({
      command: 'mariadb',
      args: [
        '--no-defaults',
        ...this.programArgs(target),
        `--connect-timeout=${CONNECT_TIMEOUT_MS / 1000}`,
        '--local-infile=0',
        '--batch',
        '--silent',
        database,
      ],
      env: this.programEnv(target),
      input,
      progress,
      secrets: [target.password],
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  // ---------------------------------------------------------------------------------------------

  private async admin<T>(work: (connection: PoolConnection) => Promise<T>): Promise<T> {
    let connection: PoolConnection;
    try {
      connection = await this.pool.getConnection();
    } catch (error) {
      throw this.unavailable(error);
    }
    try {
      // No admin statement waits on a user's lock, or runs, for long: the pool has 4 connections.
      await connection.query(
        `SET SESSION lock_wait_timeout = ${ADMIN_LOCK_WAIT_S}, innodb_lock_wait_timeout = ${ADMIN_LOCK_WAIT_S}, ` +
          `max_statement_time = ${ADMIN_STATEMENT_S}`,
      );
      return await work(connection);
    } catch (error) {
      throw isUnavailable(error) ? this.unavailable(error) : error;
    } finally {
      connection.release();
    }
  }

  private async userExists(connection: PoolConnection, user: string): Promise<boolean> {
    const [rows] = await connection.query<RowDataPacket[]>("SELECT 1 FROM mysql.user WHERE User = ? AND Host = '%'", [
      user,
    ]);
    return rows.length > 0;
  }

  private async databaseExists(connection: PoolConnection, database: string): Promise<boolean> {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [database],
    );
    return rows.length > 0;
  }

  /**
   * Whether an existing database is the user's: granted to it, or empty (a half-made attempt).
   * MariaDB databases have no owner; this is how one belonging to something else is told apart.
   */
  private async isOwn(connection: PoolConnection, database: string, user: string): Promise<boolean> {
    const [granted] = await connection.query<RowDataPacket[]>(
      "SELECT 1 FROM mysql.db WHERE User = ? AND Host = '%' AND Db = ?",
      [user, database.replace(/[\\_%]/g, (c) => `\\${c}`)],
    );
    if (granted.length > 0) return true;
    const [objects] = await connection.query<RowDataPacket[]>(
      'SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?) + ' +
        '(SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?) AS n',
      [database, database],
    );
    return Number(objects[0]?.n ?? 1) === 0;
  }

  /**
   * Drops a database. A prepared XA transaction outlives its session and holds its locks until
   * someone ends it, so DROP DATABASE could wait a day: when the drop times out waiting for a lock,
   * the prepared transactions are rolled back and the drop tried again. The server does not say
   * which database a prepared transaction touched, so all of them are rolled back then.
   */
  private async dropDatabase(connection: PoolConnection, database: string): Promise<void> {
    const drop = `SET STATEMENT lock_wait_timeout = ${DROP_LOCK_WAIT_S}, innodb_lock_wait_timeout = ${DROP_LOCK_WAIT_S} FOR DROP DATABASE IF EXISTS ${quoteName(database)}`;
    try {
      await connection.query(drop);
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ER_LOCK_WAIT_TIMEOUT') throw error;
    }
    const [prepared] = await connection.query<RowDataPacket[]>("XA RECOVER FORMAT='SQL'");
    for (const row of prepared) {
      const xid = String(row.data);
      // FORMAT='SQL' gives the XID as the server's own literals: 'gtrid'[,'bqual'[,formatID]], each
      // part quoted when printable, else X'…'. Anything else is left alone.
      if (XID_LITERAL.test(xid)) {
        await connection.query(`XA ROLLBACK ${xid}`).catch(() => undefined);
      }
    }
    await connection.query(drop);
  }

  /** Ends every session of the user. */
  private async disconnect(connection: PoolConnection, user: string): Promise<void> {
    const [sessions] = await connection.query<RowDataPacket[]>(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()',
      [user],
    );
    for (const session of sessions) {
      await connection.query(`KILL CONNECTION ${Number(session.id)}`).catch(() => undefined);
    }
  }

  /** A connection as the database's user to its database, at the admin URL's address. */
  private userConnection(target: DatabaseTarget): Connection {
    const options: ConnectionOptions = {
      uri: this.host.adminUrl,
      host: this.address.host,
      port: this.address.port,
      user: target.username,
      password: target.password,
      database: target.databaseName,
      connectTimeout: CONNECT_TIMEOUT_MS,
      multipleStatements: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      decimalNumbers: false,
      timezone: 'Z',
      charset: COLLATION.toUpperCase(),
      // The server must never make the platform send one of its own files (LOAD DATA LOCAL INFILE).
      flags: ['-LOCAL_FILES'],
    };
    const connection = createConnection(options);
    // A socket error after the answer: nothing is waiting on it.
    connection.on('error', () => undefined);
    return connection;
  }

  private async asUser<T>(target: DatabaseTarget, work: (connection: Connection) => Promise<T>): Promise<T> {
    const connection = this.userConnection(target);
    try {
      await connect(connection);
      await run(connection, `SET SESSION max_statement_time = ${CATALOG_TIMEOUT_MS / 1000}`);
      return await work(connection);
    } catch (error) {
      throw this.queryError(error, target, false, CATALOG_TIMEOUT_MS, true);
    } finally {
      endConnection(connection);
    }
  }

  /**
   * Runs the user's statement, keeping the rows of its first result set within the limits. In
   * read-only mode reading stops at the first row too many (nothing can be lost); otherwise the
   * rest is read and dropped, so a statement that writes and returns rows runs to its end.
   */
  private stream(connection: Connection, request: QueryRequest): Promise<Omit<QueryResult, 'durationMs'>> {
    return new Promise((resolve, reject) => {
      const collector = new RowCollector(request.maxRows, request.maxBytes, '0x');
      let columns: string[] | undefined;
      let resultIndex: number | undefined;
      let affected: number | undefined;
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        resolve({
          columns: columns ?? [],
          rows: collector.rows,
          rowCount: columns ? collector.rows.length : (affected ?? 0),
          truncated: collector.truncated,
        });
      };
      const query = connection.query({
        sql: request.query,
        values: request.params.map(parameter),
        rowsAsArray: true,
      });
      // 'fields' comes before each result set's rows (undefined before a statement's OK packet).
      query.on('fields', (fields: FieldPacket[] | undefined) => {
        if (columns === undefined && fields !== undefined) columns = fields.map((field) => field.name);
      });
      query.on('result', (row: unknown, index: number) => {
        if (done) return;
        if (!Array.isArray(row)) {
          const header = row as { affectedRows?: number };
          if (affected === undefined && typeof header.affectedRows === 'number') affected = header.affectedRows;
          return;
        }
        // Only the first result set's rows (a CALL may answer several).
        resultIndex ??= index;
        if (index !== resultIndex) return;
        if (!collector.add(row) && request.readOnly) {
          // Nothing to lose in read-only mode: stop reading (the connection is closed, rolling back).
          connection.destroy();
          finish();
        }
      });
      query.on('error', (error: QueryError) => {
        if (done) return;
        done = true;
        reject(error);
      });
      query.on('end', finish);
    });
  }

  /**
   * Kills the user's runaway statement from an admin session (the user may hold all its
   * connections), only if that session is still the user's.
   */
  private async killQuery(target: DatabaseTarget, threadId: number | null): Promise<void> {
    if (threadId === null) return;
    await this.admin(async (connection) => {
      const [sessions] = await connection.query<RowDataPacket[]>(
        'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE ID = ? AND USER = ?',
        [threadId, target.username],
      );
      for (const session of sessions) await connection.query(`KILL QUERY ${Number(session.id)}`);
    }).catch(() => undefined);
    // The server did not answer: the connection is given up after KILL_WAIT_MS.
  }

  /** Host, port and user of mariadb-dump and mariadb (the password goes in MYSQL_PWD). */
  private programArgs(target: DatabaseTarget): string[] {
    return [
      `--host=${this.address.host}`,
      `--port=${this.address.port}`,
      '--protocol=TCP',
      `--user=${assertPlatformName(target.username, 'the user name')}`,
      `--default-character-set=${CHARSET}`,
    ];
  }

  private programEnv(target: DatabaseTarget): Record<string, string> {
    return { ...baseEnv(), MYSQL_PWD: target.password, HOME: '/nonexistent' };
  }

  private timeoutError(timeoutMs: number): DatabaseException {
    return new DatabaseException(
      DatabaseExceptionReason.QUERY_TIMEOUT,
      `The statement ran longer than ${timeoutMs} ms and was canceled`,
    );
  }

  private unavailable(error: unknown): DatabaseException {
    const { sqlMessage, message } = asMysqlError(error);
    return new DatabaseException(
      DatabaseExceptionReason.HOST_UNAVAILABLE,
      `The MYSQL server could not be reached: ${scrub(sqlMessage ?? message ?? String(error), [new URL(this.host.adminUrl).password])}`,
    );
  }

  private queryError(
    error: unknown,
    target: DatabaseTarget,
    killed: boolean,
    timeoutMs: number,
    readOnly: boolean,
  ): Error {
    if (error instanceof DatabaseException) return error;
    const { errno, sqlState, sqlMessage, message } = asMysqlError(error);
    const text = scrub(sqlMessage ?? message ?? String(error), [target.password]);
    const details = errno !== undefined ? { errno, sqlState } : undefined;
    if (errno === ER_STATEMENT_TIMEOUT || (killed && errno === ER_QUERY_INTERRUPTED)) {
      return this.timeoutError(timeoutMs);
    }
    if (errno === ER_READ_ONLY_TRANSACTION) {
      return new DatabaseException(DatabaseExceptionReason.READ_ONLY_VIOLATION, text, details);
    }
    if (readOnly && errno === ER_XA_ACTIVE) {
      return new DatabaseException(
        DatabaseExceptionReason.READ_ONLY_VIOLATION,
        'Read-only mode refuses statements that commit or change the transaction (DDL, COMMIT, LOCK TABLES, and routines that do)',
        details,
      );
    }
    if (errno !== undefined && INVALID_QUERY_ERRNOS.has(errno)) {
      return new DatabaseException(DatabaseExceptionReason.INVALID_QUERY, text, details);
    }
    if (killed) return this.timeoutError(timeoutMs);
    if (isUnavailable(error)) {
      return new DatabaseException(
        DatabaseExceptionReason.HOST_UNAVAILABLE,
        `The database's server could not be reached as its user: ${text}`,
        details,
      );
    }
    if (errno !== undefined) return new DatabaseException(DatabaseExceptionReason.QUERY_FAILED, text, details);
    // The driver refused the statement before sending it (a parameter it cannot send, …).
    return new DatabaseException(DatabaseExceptionReason.INVALID_QUERY, text);
  }
}

function connect(connection: Connection): Promise<void> {
  return new Promise((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve())));
}

function run(connection: Connection, sql: string): Promise<void> {
  return new Promise((resolve, reject) => connection.query(sql, (error) => (error ? reject(error) : resolve())));
}

function select<T>(connection: Connection, sql: string, values: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) =>
    connection.query<RowDataPacket[]>({ sql, values, rowsAsArray: false }, (error, rows) =>
      error ? reject(error) : resolve(rows as unknown as T[]),
    ),
  );
}

function endConnection(connection: Connection): void {
  connection.end(() => undefined);
  // A connection that does not close within a moment is cut.
  setTimeout(() => connection.destroy(), 2_000).unref();
}

function summary(name: string, type: string, rows: number | string | null): TableSummary {
  const kind: TableKind = type === 'VIEW' || type === 'SYSTEM VIEW' ? 'VIEW' : 'TABLE';
  return { name, kind, rowEstimate: kind === 'VIEW' || rows === null ? null : Number(rows) };
}

/**
 * A column's default as written in SQL: MariaDB reports an explicit `NULL` default as the text
 * NULL (no default, as elsewhere), and AUTO_INCREMENT and generated columns in other columns.
 */
function columnDefault(value: string | null, extra: string, generation: string | null): string | null {
  if (generation && /GENERATED/i.test(extra)) {
    return `GENERATED ALWAYS AS (${generation}) ${/STORED/i.test(extra) ? 'STORED' : 'VIRTUAL'}`;
  }
  if (/auto_increment/i.test(extra)) return 'AUTO_INCREMENT';
  if (value === null || value === 'NULL') return null;
  return value;
}
