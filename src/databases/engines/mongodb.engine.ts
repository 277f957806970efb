import { performance } from 'node:perf_hooks';
import type { Readable, Writable } from 'node:stream';
import { BSON, type Db, type Document, MongoClient, MongoServerError } from 'mongodb';
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
  TableSummary,
} from './database-engine';
import { endOfDump, readLines, writeLine } from './dump-lines';
import { checkMongoCommand } from './mongodb-command';

const { EJSON } = BSON;

const DUMP_FORMAT = 'slipway-mongodb-dump';
const DUMP_VERSION = 1;
const SERVER_SELECTION_TIMEOUT_MS = 5_000;
/** tableInfo infers the fields from this many documents. */
const SAMPLE_SIZE = 100;
const RESTORE_BATCH_DOCUMENTS = 500;
const RESTORE_BATCH_BYTES = 4 * 1024 * 1024;
/** Commands that take maxTimeMS. */
const TIMED_COMMANDS = ['find', 'aggregate', 'count', 'distinct', 'findAndModify'];
/** Server error codes that mean the command itself is malformed. */
const INVALID_CODES = new Set([2, 9, 14, 59, 40324, 40323, 15974, 16436, 17276, 31249, 51024]);
const TIMEOUT_CODES = new Set([50, 262]);
const UNAUTHORIZED_CODES = new Set([13]);

/** The read-only user that goes with a database's user. */
export function mongodbReadOnlyUser(username: string): string {
  return `${username}_ro`;
}

/** Types of the bson values read with promoteValues off, by their `_bsontype`. */
function bsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp) return 'regex';
  if (Buffer.isBuffer(value)) return 'binData';
  const bsontype = (value as { _bsontype?: unknown })._bsontype;
  if (typeof bsontype === 'string') {
    const names: Record<string, string> = {
      ObjectId: 'objectId',
      Int32: 'int',
      Double: 'double',
      Long: 'long',
      Decimal128: 'decimal',
      Binary: 'binData',
      Timestamp: 'timestamp',
      BSONRegExp: 'regex',
      MinKey: 'minKey',
      MaxKey: 'maxKey',
      Code: 'javascript',
      BSONSymbol: 'symbol',
      DBRef: 'dbPointer',
    };
    return names[bsontype] ?? bsontype.toLowerCase();
  }
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'double';
    case 'bigint':
      return 'long';
    default:
      return 'object';
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isConnectionError(error: unknown): boolean {
  const name = (error as { name?: unknown }).name;
  return (
    typeof name === 'string' &&
    ['MongoServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoTopologyClosedError'].includes(
      name,
    )
  );
}

function hostUnavailable(): DatabaseException {
  return new DatabaseException(
    DatabaseExceptionReason.HOST_UNAVAILABLE,
    'The MongoDB server could not be reached or refused the connection; try again later',
  );
}

function timedOut(): DatabaseException {
  return new DatabaseException(
    DatabaseExceptionReason.QUERY_TIMEOUT,
    'The command ran past the time limit and was canceled',
  );
}

/** Waits for `work`, or rejects with QUERY_TIMEOUT (after calling `onTimeout`) once `ms` have passed. */
async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(timedOut());
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A document (or value) as relaxed Extended JSON: plain numbers where they fit, `{ "$oid": … }` and the like. */
function relaxed(value: unknown): unknown {
  return EJSON.serialize({ v: value }, { relaxed: true }).v;
}

class MongodbDriver implements DatabaseEngineDriver {
  readonly engine = 'MONGODB' as const;
  private adminClient: MongoClient | null = null;
  private usersSupported: boolean | null = null;

  constructor(private readonly host: DatabaseHost) {}

  private async admin(): Promise<MongoClient> {
    if (!this.adminClient) {
      this.adminClient = new MongoClient(this.host.adminUrl, { serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS });
    }
    return this.adminClient;
  }

  private async adminCall<T>(run: (client: MongoClient) => Promise<T>): Promise<T> {
    try {
      return await run(await this.admin());
    } catch (error) {
      if (isConnectionError(error)) throw hostUnavailable();
      throw error;
    }
  }

  /** Whether the server has users (a real MongoDB) or not (the embedded MongoDB-protocol server); asked once. */
  async supportsUsers(): Promise<boolean> {
    if (this.usersSupported !== null) return this.usersSupported;
    const supported = await this.adminCall(async (admin) => {
      try {
        await admin.db('admin').command({ usersInfo: 1 });
        return true;
      } catch (error) {
        if (error instanceof MongoServerError && (error.code === 59 || /no such command/i.test(error.message))) {
          return false;
        }
        throw error;
      }
    });
    this.usersSupported = supported;
    return supported;
  }

  /** A client of the database's own user (read-only or not) where the server has users, otherwise on the admin URL. */
  private userClient(target: DatabaseTarget, readOnly: boolean, withUsers: boolean): MongoClient {
    const url = new URL(this.host.adminUrl);
    if (withUsers) {
      url.username = encodeURIComponent(readOnly ? mongodbReadOnlyUser(target.username) : target.username);
      url.password = encodeURIComponent(target.password);
      url.pathname = `/${target.databaseName}`;
      url.searchParams.set('authSource', target.databaseName);
    }
    return new MongoClient(url.toString(), {
      serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
      promoteValues: false,
      bsonRegExp: true,
    });
  }

  /**
   * Runs `work` on the database with its own user's client where the server has users; on the
   * embedded server (no users) with the admin's client, still on this database only.
   */
  private async asUser<T>(target: DatabaseTarget, work: (db: Db) => Promise<T>): Promise<T> {
    const withUsers = await this.supportsUsers();
    if (!withUsers) return this.adminCall((admin) => work(admin.db(target.databaseName)));
    const client = this.userClient(target, true, true);
    try {
      return await work(client.db(target.databaseName));
    } catch (error) {
      if (isConnectionError(error)) throw hostUnavailable();
      throw error;
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  async provision(target: DatabaseTarget): Promise<void> {
    // MongoDB makes a database when its first collection is written: provisioning makes the users
    // (where the server has them) and nothing else, so an unused database holds no collection.
    if (!(await this.supportsUsers())) return;
    const ro = mongodbReadOnlyUser(target.username);
    try {
      await this.adminCall(async (admin) => {
        const db = admin.db(target.databaseName);
        await this.upsertUser(db, target.username, target.password, [{ role: 'dbOwner', db: target.databaseName }]);
        await this.upsertUser(db, ro, target.password, [{ role: 'read', db: target.databaseName }]);
      });
    } catch (error) {
      await this.dropUsers(target).catch(() => undefined);
      throw error;
    }
  }

  private async upsertUser(db: Db, user: string, pwd: string, roles: Document[]): Promise<void> {
    try {
      await db.command({ createUser: user, pwd, roles });
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === 51003)) throw error;
      await db.command({ updateUser: user, pwd, roles });
    }
  }

  private async dropUsers(target: Pick<DatabaseTarget, 'databaseName' | 'username'>): Promise<void> {
    await this.adminCall(async (admin) => {
      const db = admin.db(target.databaseName);
      for (const user of [target.username, mongodbReadOnlyUser(target.username)]) {
        try {
          await db.command({ dropUser: user });
        } catch (error) {
          if (!(error instanceof MongoServerError && error.code === 11)) throw error;
        }
      }
    });
  }

  async drop(target: Pick<DatabaseTarget, 'databaseName' | 'username'>): Promise<void> {
    await this.adminCall((admin) => admin.db(target.databaseName).dropDatabase());
    if (await this.supportsUsers()) await this.dropUsers(target);
  }

  async setPassword(target: DatabaseTarget): Promise<void> {
    // The embedded server has no users and so no password to change.
    if (!(await this.supportsUsers())) return;
    await this.adminCall(async (admin) => {
      const db = admin.db(target.databaseName);
      for (const user of [target.username, mongodbReadOnlyUser(target.username)]) {
        await db.command({ updateUser: user, pwd: target.password });
      }
    });
  }

  async exists(
    target: Pick<DatabaseTarget, 'databaseName' | 'username'>,
  ): Promise<{ database: boolean; user: boolean }> {
    const withUsers = await this.supportsUsers();
    return this.adminCall(async (admin) => {
      const listed = await admin.db('admin').command({ listDatabases: 1, nameOnly: true });
      const database = ((listed.databases ?? []) as { name: string }[]).some((db) => db.name === target.databaseName);
      let user = false;
      if (withUsers) {
        const info = await admin
          .db(target.databaseName)
          .command({ usersInfo: { user: target.username, db: target.databaseName } });
        user = Array.isArray(info.users) && info.users.length > 0;
      }
      return { database, user };
    });
  }

  /**
   * With users: `mongodb://u_x:pw@host:port/db_x?authSource=db_x`. The embedded server answers no
   * authentication command (a client given credentials cannot connect), so its string carries
   * none. Which one applies is known once the server has been asked (provision does); before
   * that, a server the platform reaches without credentials is taken to have no users.
   */
  connectionString(target: DatabaseTarget): string {
    const host = this.host.host.includes(':') ? `[${this.host.host}]` : this.host.host;
    const withUsers = this.usersSupported ?? new URL(this.host.adminUrl).username !== '';
    if (!withUsers) return `mongodb://${host}:${this.host.port}/${target.databaseName}`;
    return (
      `mongodb://${encodeURIComponent(target.username)}:${encodeURIComponent(target.password)}` +
      `@${host}:${this.host.port}/${target.databaseName}?authSource=${target.databaseName}`
    );
  }

  async execute(target: DatabaseTarget, request: QueryRequest): Promise<QueryResult> {
    if (request.params.length > 0) {
      throw new DatabaseException(
        DatabaseExceptionReason.INVALID_QUERY,
        'MongoDB commands take no parameters: put the values in the command document',
      );
    }
    let command: unknown;
    try {
      command = EJSON.parse(request.query, { relaxed: true });
    } catch {
      throw new DatabaseException(
        DatabaseExceptionReason.INVALID_QUERY,
        'The query must be one command document as JSON',
      );
    }
    const check = checkMongoCommand(command, target.databaseName, request.readOnly);
    const doc = { ...(command as Document) };
    if (TIMED_COMMANDS.includes(check.name)) doc.maxTimeMS = request.timeoutMs;

    const withUsers = await this.supportsUsers();
    // A connection of its own, so a command past the time limit can be cut off.
    const client = this.userClient(target, request.readOnly, withUsers);
    const started = performance.now();
    try {
      const work = (async () => {
        const db = client.db(target.databaseName);
        return check.cursor ? this.readCursor(db, doc, request) : this.runCommand(db, doc, request);
      })();
      const result = await withTimeout(
        work,
        request.timeoutMs + Math.min(250, request.timeoutMs),
        () => void client.close(true).catch(() => undefined),
      );
      return { ...result, durationMs: Math.round(performance.now() - started) };
    } catch (error) {
      throw this.queryError(error, request.readOnly, check.write);
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  private queryError(error: unknown, readOnly: boolean, write: boolean): unknown {
    if (error instanceof DatabaseException) return error;
    if (isConnectionError(error)) return hostUnavailable();
    if (error instanceof MongoServerError) {
      const code = typeof error.code === 'number' ? error.code : -1;
      const message = error.message.slice(0, 300);
      if (TIMEOUT_CODES.has(code)) return timedOut();
      if (UNAUTHORIZED_CODES.has(code)) {
        return readOnly && write
          ? new DatabaseException(DatabaseExceptionReason.READ_ONLY_VIOLATION, 'The query console is in read-only mode')
          : new DatabaseException(
              DatabaseExceptionReason.QUERY_FAILED,
              `This database's user may not run it: ${message}`,
            );
      }
      if (INVALID_CODES.has(code)) return new DatabaseException(DatabaseExceptionReason.INVALID_QUERY, message);
      return new DatabaseException(DatabaseExceptionReason.QUERY_FAILED, message);
    }
    return new DatabaseException(DatabaseExceptionReason.QUERY_FAILED, errorMessage(error).slice(0, 300));
  }

  private async readCursor(db: Db, doc: Document, request: QueryRequest): Promise<Omit<QueryResult, 'durationMs'>> {
    const cursor = db.runCursorCommand(doc);
    // Later batches hold what the first did (the embedded server refuses a getMore without a size).
    const batchSize = typeof doc.batchSize === 'number' && doc.batchSize > 0 ? doc.batchSize : 101;
    cursor.setBatchSize(Math.min(batchSize, request.maxRows + 1));
    const docs: Record<string, unknown>[] = [];
    let bytes = 0;
    let truncated = false;
    try {
      for await (const raw of cursor) {
        const value = relaxed(raw) as Record<string, unknown>;
        const size = Buffer.byteLength(JSON.stringify(value));
        if (docs.length >= request.maxRows || bytes + size > request.maxBytes) {
          truncated = true;
          break;
        }
        docs.push(value);
        bytes += size;
      }
    } finally {
      await cursor.close().catch(() => undefined);
    }
    const columns: string[] = [];
    const seen = new Set<string>();
    for (const value of docs) {
      for (const key of Object.keys(value)) {
        if (!seen.has(key)) {
          seen.add(key);
          columns.push(key);
        }
      }
    }
    const rows = docs.map((value) => columns.map((column) => (column in value ? value[column] : null)));
    return { columns, rows, rowCount: rows.length, truncated };
  }

  private async runCommand(db: Db, doc: Document, request: QueryRequest): Promise<Omit<QueryResult, 'durationMs'>> {
    const reply = await db.command(doc);
    const writeErrors = reply.writeErrors as { errmsg?: string }[] | undefined;
    if (Array.isArray(writeErrors) && writeErrors.length > 0) {
      throw new DatabaseException(
        DatabaseExceptionReason.QUERY_FAILED,
        String(writeErrors[0]?.errmsg ?? 'the write failed').slice(0, 300),
      );
    }
    const value = relaxed(reply) as Record<string, unknown>;
    const columns = Object.keys(value);
    const row = columns.map((column) => value[column]);
    const fits = Buffer.byteLength(JSON.stringify(row)) <= request.maxBytes && request.maxRows >= 1;
    const changed = typeof reply.n === 'number' && ['insert', 'update', 'delete'].includes(Object.keys(doc)[0] ?? '');
    return {
      columns,
      rows: fits ? [row] : [],
      rowCount: changed ? (reply.n as number) : fits ? 1 : 0,
      truncated: !fits,
    };
  }

  async listTables(target: DatabaseTarget): Promise<TableSummary[]> {
    return this.asUser(target, async (db) => {
      const collections = await db.listCollections({}, { nameOnly: false }).toArray();
      const tables: TableSummary[] = [];
      for (const info of collections.sort((a, b) => a.name.localeCompare(b.name))) {
        if (info.name.startsWith('system.')) continue;
        const view = info.type === 'view';
        tables.push({
          name: info.name,
          kind: view ? 'VIEW' : 'COLLECTION',
          rowEstimate: view ? null : await db.collection(info.name).estimatedDocumentCount(),
        });
      }
      return tables;
    });
  }

  async tableInfo(target: DatabaseTarget, table: string): Promise<TableInfo | null> {
    return this.asUser(target, async (db) => {
      // Filtered here: the embedded server ignores listCollections' filter.
      const info = (await db.listCollections({ name: table }, { nameOnly: false }).toArray()).find(
        (collection) => collection.name === table,
      );
      if (!info || table.startsWith('system.')) return null;
      const view = info.type === 'view';
      const collection = db.collection(table);
      const sample = await collection
        .find({}, { limit: SAMPLE_SIZE, promoteValues: false, bsonRegExp: true })
        .toArray();
      const fields = new Map<string, { types: Set<string>; present: number; nullSeen: boolean }>();
      for (const document of sample) {
        for (const [name, value] of Object.entries(document)) {
          const field = fields.get(name) ?? { types: new Set<string>(), present: 0, nullSeen: false };
          const type = bsonTypeOf(value);
          field.types.add(type);
          field.present += 1;
          if (type === 'null') field.nullSeen = true;
          fields.set(name, field);
        }
      }
      const columns: ColumnInfo[] = [...fields.entries()].map(([name, field]) => ({
        name,
        type: [...field.types].join('|'),
        nullable: field.nullSeen || field.present < sample.length,
        defaultValue: null,
      }));
      const indexes: IndexInfo[] = view
        ? []
        : (await collection.listIndexes().toArray()).map((index) => ({
            name: String(index.name),
            columns: Object.keys((index.key ?? {}) as Document),
            unique: index.unique === true || index.name === '_id_',
            primary: index.name === '_id_',
          }));
      return {
        name: table,
        kind: view ? 'VIEW' : 'COLLECTION',
        rowEstimate: view ? null : await collection.estimatedDocumentCount(),
        columns,
        indexes,
      };
    });
  }

  async dump(target: DatabaseTarget, out: Writable): Promise<void> {
    await writeLine(out, JSON.stringify({ format: DUMP_FORMAT, version: DUMP_VERSION }));
    await this.adminCall(async (admin) => {
      const db = admin.db(target.databaseName);
      const collections = await db.listCollections({}, { nameOnly: false }).toArray();
      for (const info of collections.sort((a, b) => a.name.localeCompare(b.name))) {
        if (info.name.startsWith('system.')) continue;
        const view = info.type === 'view';
        const indexes = view
          ? []
          : (await db.collection(info.name).listIndexes().toArray())
              .filter((index) => index.name !== '_id_')
              .map((index) => {
                const { v: _v, ns: _ns, ...rest } = index;
                return rest;
              });
        const header = { collection: info.name, indexes, options: (info.options ?? {}) as Document };
        await writeLine(out, EJSON.stringify(header, { relaxed: false }));
        if (view) continue;
        const cursor = db.collection(info.name).find({}, { promoteValues: false, bsonRegExp: true });
        for await (const document of cursor) {
          await writeLine(out, EJSON.stringify(document, { relaxed: false }));
        }
      }
    });
    await endOfDump(out);
  }

  async restore(target: DatabaseTarget, input: Readable, progress?: RestoreProgress): Promise<void> {
    const lines = readLines(input);
    try {
      const first = await lines.next();
      if (first.done || !isDumpHeader(first.value.line)) {
        throw new DatabaseException(
          DatabaseExceptionReason.BACKUP_CORRUPT,
          'This is not a MongoDB dump of this platform',
        );
      }
      progress?.(first.value.bytesRead);
      await this.adminCall(async (admin) => {
        const db = admin.db(target.databaseName);
        await db.dropDatabase();
        let collection: string | null = null;
        let batch: Document[] = [];
        let batchBytes = 0;
        let lastBytes = first.value.bytesRead;
        const flush = async () => {
          if (collection !== null && batch.length > 0)
            await db.collection(collection).insertMany(batch, { ordered: true });
          batch = [];
          batchBytes = 0;
          progress?.(lastBytes);
        };
        for await (const { line, bytesRead } of lines) {
          let entry: Document;
          try {
            entry = EJSON.parse(line, { relaxed: false }) as Document;
          } catch {
            throw new DatabaseException(
              DatabaseExceptionReason.BACKUP_CORRUPT,
              'The MongoDB dump has a line that is not JSON',
            );
          }
          if ('_id' in entry) {
            if (collection === null) {
              throw new DatabaseException(
                DatabaseExceptionReason.BACKUP_CORRUPT,
                'The MongoDB dump has a document before its collection',
              );
            }
            batch.push(entry);
            batchBytes += line.length;
            lastBytes = bytesRead;
            if (batch.length >= RESTORE_BATCH_DOCUMENTS || batchBytes >= RESTORE_BATCH_BYTES) await flush();
            continue;
          }
          if (typeof entry.collection !== 'string') {
            throw new DatabaseException(
              DatabaseExceptionReason.BACKUP_CORRUPT,
              'The MongoDB dump has a line that is neither a collection nor a document',
            );
          }
          await flush();
          collection = entry.collection;
          await db.createCollection(collection, (entry.options ?? {}) as Document);
          const indexes = Array.isArray(entry.indexes) ? (entry.indexes as Document[]) : [];
          if (indexes.length > 0) await db.command({ createIndexes: collection, indexes });
          lastBytes = bytesRead;
          progress?.(lastBytes);
        }
        await flush();
      });
    } finally {
      // Stops reading (and releases) the input when the restore ends early.
      await lines.return(undefined);
    }
  }

  async close(): Promise<void> {
    const client = this.adminClient;
    this.adminClient = null;
    if (client) await client.close().catch(() => undefined);
  }
}

function isDumpHeader(line: string): boolean {
  try {
    const header = JSON.parse(line) as { format?: unknown; version?: unknown };
    return header.format === DUMP_FORMAT && header.version === DUMP_VERSION;
  } catch {
    return false;
  }
}

/** The MONGODB driver (see `DatabaseEngineDriver`). */
export function createMongodbDriver(host: DatabaseHost): DatabaseEngineDriver {
  return new MongodbDriver(host);
}
