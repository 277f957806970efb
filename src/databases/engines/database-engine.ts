import type { Readable, Writable } from 'node:stream';
import type { DatabaseEngineName, DatabaseHost } from '../../config/database-hosts';

export type { DatabaseEngineName, DatabaseHost } from '../../config/database-hosts';

/**
 * One managed database as its engine's server knows it. The names are the platform's own
 * (`db_<id>`, `u_<id>`: letters, digits and underscores, at most 32 characters), never what
 * users typed, so they need no quoting beyond the engine's usual identifier quoting.
 */
export interface DatabaseTarget {
  /** The database's name on the server (PostgreSQL and MariaDB database, MongoDB database, Redis key prefix without its `:`). */
  readonly databaseName: string;
  /** The user (PostgreSQL role, MariaDB user, Redis ACL user, MongoDB user where supported). */
  readonly username: string;
  /** The user's password, in clear: only ever held in memory. */
  readonly password: string;
}

/** One statement for the query console, with its limits. */
export interface QueryRequest {
  /** The statement: SQL for PostgreSQL and MariaDB, a command line for Redis, a command document (JSON) for MongoDB. */
  readonly query: string;
  /** Values for the statement's placeholders ($1… for PostgreSQL, ? for MariaDB); Redis appends them as arguments. */
  readonly params: readonly unknown[];
  /** Whether the server must refuse any write (a read-only transaction, read commands only). */
  readonly readOnly: boolean;
  /** How long the statement may run; the server cancels it past this (QUERY_TIMEOUT). */
  readonly timeoutMs: number;
  /** The most rows the answer holds; more are not read (truncated). */
  readonly maxRows: number;
  /** The most bytes (the rows as JSON) the answer holds; rows past it are dropped (truncated). */
  readonly maxBytes: number;
}

export interface QueryResult {
  /** Column names, in order; rows are arrays in that order. */
  readonly columns: string[];
  /** Values as JSON can carry them: numbers beyond 2^53, dates and binary as strings. */
  readonly rows: unknown[][];
  /** Rows returned (rows.length), or rows the statement changed when it returns none. */
  readonly rowCount: number;
  /** Whether rows were left out because of maxRows or maxBytes. */
  readonly truncated: boolean;
  readonly durationMs: number;
}

export type TableKind = 'TABLE' | 'VIEW' | 'COLLECTION' | 'KEY_GROUP';

export interface TableSummary {
  /** The table's name (schema-qualified for PostgreSQL schemas other than public: `schema.table`). */
  readonly name: string;
  readonly kind: TableKind;
  /** The server's estimate of its rows (documents, keys); null when it has none. */
  readonly rowEstimate: number | null;
}

export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly defaultValue: string | null;
}

export interface IndexInfo {
  readonly name: string;
  readonly columns: string[];
  readonly unique: boolean;
  readonly primary: boolean;
}

export interface TableInfo extends TableSummary {
  readonly columns: ColumnInfo[];
  readonly indexes: IndexInfo[];
}

/** How far a restore has got: bytes of the dump read so far. */
export type RestoreProgress = (bytesRead: number) => void;

/**
 * What the platform does on one engine's server. Implementations connect as the server's admin
 * (the host's adminUrl) only to provision, drop, rotate and restore; the query console and
 * listTables/tableInfo connect with the database's own credentials, always.
 */
export interface DatabaseEngineDriver {
  readonly engine: DatabaseEngineName;

  /**
   * Creates the database and its user, isolated from every other: the user reaches only this
   * database. Safe to call again after a partial failure (what exists is reused or replaced). On
   * failure it removes what it made before throwing.
   */
  provision(target: DatabaseTarget): Promise<void>;

  /** Drops the database (its data) and its user. Succeeds when they are already gone. */
  drop(target: Pick<DatabaseTarget, 'databaseName' | 'username'>): Promise<void>;

  /** Gives the user a new password; the old one stops working. */
  setPassword(target: DatabaseTarget): Promise<void>;

  /** Whether the database and the user exist on the server (for deletion checks and tests). */
  exists(target: Pick<DatabaseTarget, 'databaseName' | 'username'>): Promise<{ database: boolean; user: boolean }>;

  /** The URL users connect with, at the host's public host and port, carrying the credentials. */
  connectionString(target: DatabaseTarget): string;

  /** Runs one statement with the database's own credentials, within the request's limits. */
  execute(target: DatabaseTarget, request: QueryRequest): Promise<QueryResult>;

  listTables(target: DatabaseTarget): Promise<TableSummary[]>;

  /** One table's columns, indexes and row estimate; null when there is no such table. */
  tableInfo(target: DatabaseTarget, table: string): Promise<TableInfo | null>;

  /**
   * Writes a complete dump of the database (uncompressed; the caller compresses and checksums) to
   * `out`, and resolves once all of it is written. The dump holds no names of this database or
   * user, so it restores into another one.
   */
  dump(target: DatabaseTarget, out: Writable): Promise<void>;

  /**
   * Replaces the database's whole content with a dump made by `dump` (of this database or
   * another of the same engine). On failure the database may be left partly restored; the
   * caller reports it.
   */
  restore(target: DatabaseTarget, input: Readable, progress?: RestoreProgress): Promise<void>;

  /** Closes the admin connections it holds. */
  close(): Promise<void>;
}

/** What a driver is made from: its host's settings. */
export type DatabaseDriverFactory = (host: DatabaseHost) => DatabaseEngineDriver;
