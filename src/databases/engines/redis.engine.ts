import { performance } from 'node:perf_hooks';
import type { Readable, Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { DatabaseException, DatabaseExceptionReason } from '../database.exception';
import type {
  ColumnInfo,
  DatabaseEngineDriver,
  DatabaseHost,
  DatabaseTarget,
  QueryRequest,
  QueryResult,
  RestoreProgress,
  TableInfo,
  TableSummary,
} from './database-engine';
import { endOfDump, readLines, writeLine } from './dump-lines';
import { parseRedisCommandLine } from './redis-command-line';
import { assertPlatformName } from './sql-values';

/**
 * What every database's users may not run, on top of the `-@admin -@dangerous -@scripting
 * -@blocking` categories: commands that name keys without being filtered by the key pattern (SCAN,
 * RANDOMKEY), reveal the server's whole keyspace or channels (DBSIZE, PUBSUB, CLIENT TRACKING's
 * invalidations, MEMORY's reports), reach another logical database (SELECT, SWAPDB, MOVE, COPY's
 * DB option, MIGRATE), or hold the connection or the server (WAIT, LOLWUT, CLUSTER).
 */
export const REDIS_DENIED_COMMANDS = [
  '-@admin',
  '-@dangerous',
  '-@scripting',
  '-@blocking',
  '-scan',
  '-randomkey',
  '-dbsize',
  '-select',
  '-swapdb',
  '-move',
  '-copy',
  '-migrate',
  '-pubsub',
  '-wait',
  '-client|tracking',
  '-memory',
  '+memory|usage',
  '-cluster',
  '-lolwut',
] as const;

/** The rules of a database's read-write user (`u_<id>`): its keys and channels, every command but the denied ones. */
export function redisReadWriteRules(prefix: string): string[] {
  return [`~${prefix}*`, 'resetchannels', `&${prefix}*`, '+@all', ...REDIS_DENIED_COMMANDS];
}

/**
 * The rules of its read-only user (`u_<id>_ro`, the query console's in read-only mode): read
 * access only to its keys (`%R~`), no channels, read and connection commands only, minus the
 * denied ones, so the server itself refuses any write.
 */
export function redisReadOnlyRules(prefix: string): string[] {
  return [`%R~${prefix}*`, 'resetchannels', '-@all', '+@read', '+@connection', ...REDIS_DENIED_COMMANDS];
}

/** The read-only user that goes with a database's user. */
export function redisReadOnlyUser(username: string): string {
  return `${username}_ro`;
}

const DUMP_FORMAT = 'slipway-redis-dump';
/**
 * 2: `t` is the key's absolute expiry (Unix ms, server clock), -1 for none. 1 (still restored):
 * `t` was the time left to live when the dump was made.
 */
const DUMP_VERSION = 2;
const DUMP_VERSIONS: readonly unknown[] = [1, 2];
/** listTables and tableInfo look at this many keys at most. */
const MAX_KEYS_LISTED = 10_000;
const SCAN_COUNT = 500;

const KEY_TYPES = ['string', 'hash', 'list', 'set', 'zset', 'stream'] as const;
type KeyType = (typeof KEY_TYPES)[number];

/** How the keys of each type read as rows. */
const TYPE_COLUMNS: Record<KeyType, [string, string][]> = {
  string: [
    ['key', 'string'],
    ['value', 'string'],
  ],
  hash: [
    ['key', 'string'],
    ['field', 'string'],
    ['value', 'string'],
  ],
  list: [
    ['key', 'string'],
    ['index', 'integer'],
    ['element', 'string'],
  ],
  set: [
    ['key', 'string'],
    ['member', 'string'],
  ],
  zset: [
    ['key', 'string'],
    ['member', 'string'],
    ['score', 'double'],
  ],
  stream: [
    ['key', 'string'],
    ['id', 'string'],
    ['field', 'string'],
    ['value', 'string'],
  ],
};

interface DumpLine {
  k: string;
  t: number;
  v: string;
}

function prefixOf(databaseName: string): string {
  return `${databaseName}:`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  const message = errorMessage(error);
  return (
    (typeof code === 'string' &&
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) ||
    /Connection is closed|connect ETIMEDOUT|Stream isn't writeable|max retries/i.test(message)
  );
}

function hostUnavailable(error: unknown): DatabaseException {
  const detail = /^(NOAUTH|WRONGPASS)/.test(errorMessage(error))
    ? 'the Redis server refused the credentials'
    : 'the Redis server could not be reached';
  return new DatabaseException(DatabaseExceptionReason.HOST_UNAVAILABLE, `${detail}; try again later`);
}

/** A reply value as JSON can carry it: strings, numbers, null, arrays. */
function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Error) return `(error) ${value.message}`;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  return String(value);
}

class RedisDriver implements DatabaseEngineDriver {
  readonly engine = 'REDIS' as const;
  private adminClient: Redis | null = null;
  private readonly logger = new Logger('RedisDatabaseHost');

  constructor(private readonly host: DatabaseHost) {}

  private admin(): Redis {
    if (!this.adminClient) {
      this.adminClient = new Redis(this.host.adminUrl, {
        lazyConnect: true,
        connectTimeout: 5_000,
        // A command in flight when the connection drops fails at once (it is neither sent again
        // behind the caller's back nor left waiting); the next one reconnects.
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        enableReadyCheck: false,
      });
      // Errors reach the caller through the failed commands; the client's own event would be unhandled.
      this.adminClient.on('error', () => undefined);
    }
    return this.adminClient;
  }

  private async adminCall<T>(run: (client: Redis) => Promise<T>): Promise<T> {
    try {
      return await run(this.admin());
    } catch (error) {
      if (isConnectionError(error) || /^(NOAUTH|WRONGPASS)/.test(errorMessage(error))) throw hostUnavailable(error);
      throw error;
    }
  }

  /**
   * Writes the users to the server's ACL file where it has one, so they survive a restart; a
   * server without one (users set in memory or in redis.conf) answers an error, which is ignored.
   */
  private async persistUsers(admin: Redis): Promise<void> {
    await admin.call('ACL', 'SAVE').catch(() => undefined);
  }

  async provision(target: DatabaseTarget): Promise<void> {
    assertPlatformName(target.databaseName, 'the database name');
    assertPlatformName(target.username, 'the user name');
    const prefix = prefixOf(target.databaseName);
    const ro = redisReadOnlyUser(target.username);
    await this.adminCall(async (admin) => {
      // Without a password on the default user, anyone reaching the server is the default user,
      // and no database's ACL user keeps others out of its keys.
      const reply = (await admin.call('ACL', 'GETUSER', 'default')) as unknown[] | null;
      const at = reply ? reply.findIndex((item) => String(item) === 'flags') : -1;
      const flags = at >= 0 && Array.isArray(reply![at + 1]) ? (reply![at + 1] as unknown[]).map(String) : [];
      if (flags.includes('on') && flags.includes('nopass')) {
        this.logger.error(
          'The Redis database host lets anyone in as its default user (nopass): set a password on the default ' +
            'user (requirepass) or turn it off; no Redis database is provisioned until then',
        );
        throw new DatabaseException(
          DatabaseExceptionReason.HOST_UNAVAILABLE,
          'The Redis server is not set up to keep databases apart; try again later',
        );
      }
    });
    try {
      await this.adminCall(async (admin) => {
        await admin.call(
          'ACL',
          'SETUSER',
          target.username,
          'reset',
          'on',
          `>${target.password}`,
          ...redisReadWriteRules(prefix),
        );
        await admin.call('ACL', 'SETUSER', ro, 'reset', 'on', `>${target.password}`, ...redisReadOnlyRules(prefix));
        await this.persistUsers(admin);
      });
    } catch (error) {
      await this.adminCall(async (admin) => {
        await admin.call('ACL', 'DELUSER', target.username, ro);
        await this.persistUsers(admin);
      }).catch(() => undefined);
      throw error;
    }
  }

  async drop(target: Pick<DatabaseTarget, 'databaseName' | 'username'>): Promise<void> {
    await this.adminCall(async (admin) => {
      // Deleting the users also closes their connections.
      await admin.call('ACL', 'DELUSER', target.username, redisReadOnlyUser(target.username));
      await this.persistUsers(admin);
      await this.forEachKeyBatch(admin, prefixOf(target.databaseName), async (keys) => {
        if (keys.length > 0) await admin.unlink(...keys);
      });
    });
  }

  async setPassword(target: DatabaseTarget): Promise<void> {
    await this.adminCall(async (admin) => {
      for (const user of [target.username, redisReadOnlyUser(target.username)]) {
        await admin.call('ACL', 'SETUSER', user, 'resetpass', `>${target.password}`);
        // Connections opened with the old password end too.
        await admin.call('CLIENT', 'KILL', 'USER', user).catch(() => undefined);
      }
      await this.persistUsers(admin);
    });
  }

  async exists(
    target: Pick<DatabaseTarget, 'databaseName' | 'username'>,
  ): Promise<{ database: boolean; user: boolean }> {
    return this.adminCall(async (admin) => {
      const user = (await admin.call('ACL', 'GETUSER', target.username)) !== null;
      let database = false;
      await this.forEachKeyBatch(admin, prefixOf(target.databaseName), async (keys) => {
        database = keys.length > 0;
        return !database;
      });
      return { database, user };
    });
  }

  connectionString(target: DatabaseTarget): string {
    const host = this.host.host.includes(':') ? `[${this.host.host}]` : this.host.host;
    return `redis://${encodeURIComponent(target.username)}:${encodeURIComponent(target.password)}@${host}:${this.host.port}/0`;
  }

  async execute(target: DatabaseTarget, request: QueryRequest): Promise<QueryResult> {
    const words = parseRedisCommandLine(request.query);
    if (words === null) {
      throw new DatabaseException(DatabaseExceptionReason.INVALID_QUERY, 'The command line has an unbalanced quote');
    }
    if (words.length === 0)
      throw new DatabaseException(DatabaseExceptionReason.INVALID_QUERY, 'The command line is empty');
    const args = [...words.slice(1)];
    for (const param of request.params) {
      if (typeof param === 'string') args.push(param);
      else if (typeof param === 'number' && Number.isFinite(param)) args.push(String(param));
      else {
        throw new DatabaseException(
          DatabaseExceptionReason.INVALID_QUERY,
          'Redis parameters must be strings or numbers',
        );
      }
    }
    const command = words[0] as string;
    const client = new Redis({
      host: new URL(this.host.adminUrl).hostname.replace(/^\[|\]$/g, ''),
      port: Number(new URL(this.host.adminUrl).port || 6379),
      tls: new URL(this.host.adminUrl).protocol === 'rediss:' ? {} : undefined,
      username: request.readOnly ? redisReadOnlyUser(target.username) : target.username,
      password: target.password,
      lazyConnect: true,
      enableReadyCheck: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: Math.max(request.timeoutMs, 1_000),
    });
    client.on('error', () => undefined);
    const started = performance.now();
    try {
      try {
        await client.connect();
      } catch (error) {
        throw hostUnavailable(error);
      }
      // The limit is the command's own, not the connection's (AUTH included).
      client.options.commandTimeout = request.timeoutMs;
      let reply: unknown;
      try {
        reply = await client.call(command, ...args);
      } catch (error) {
        throw await this.queryError(client, command, request.readOnly, error);
      }
      return { ...this.rows(reply, request), durationMs: Math.round(performance.now() - started) };
    } finally {
      client.disconnect();
    }
  }

  private async queryError(
    client: Redis,
    command: string,
    readOnly: boolean,
    error: unknown,
  ): Promise<DatabaseException> {
    const message = errorMessage(error);
    if (/Command timed out/i.test(message)) {
      return new DatabaseException(
        DatabaseExceptionReason.QUERY_TIMEOUT,
        'The command ran past the time limit and was abandoned',
      );
    }
    if (isConnectionError(error) || /^(NOAUTH|WRONGPASS)/.test(message)) return hostUnavailable(error);
    const shown = command.slice(0, 60);
    if (message.startsWith('NOPERM')) {
      if (readOnly && (await this.isWriteCommand(client, command))) {
        return new DatabaseException(
          DatabaseExceptionReason.READ_ONLY_VIOLATION,
          `"${shown}" writes, and the query console is in read-only mode`,
        );
      }
      return new DatabaseException(
        DatabaseExceptionReason.QUERY_FAILED,
        /keys/.test(message)
          ? 'This database may only use keys that start with its prefix'
          : /channel/.test(message)
            ? 'This database may only use channels that start with its prefix'
            : `This database's user may not run "${shown}"`,
      );
    }
    if (/^ERR (unknown command|unknown subcommand|wrong number of arguments|syntax error)/i.test(message)) {
      return new DatabaseException(DatabaseExceptionReason.INVALID_QUERY, message.slice(0, 300));
    }
    return new DatabaseException(DatabaseExceptionReason.QUERY_FAILED, message.slice(0, 300));
  }

  /** Whether the server flags the command as a write (COMMAND INFO, a connection command every user may run). */
  private async isWriteCommand(client: Redis, command: string): Promise<boolean> {
    try {
      const info = (await client.call('COMMAND', 'INFO', command)) as unknown[];
      const entry = info?.[0];
      if (!Array.isArray(entry)) return false;
      const flags = entry[2];
      return Array.isArray(flags) && flags.some((flag) => String(flag) === 'write');
    } catch {
      return false;
    }
  }

  private rows(reply: unknown, request: QueryRequest): Omit<QueryResult, 'durationMs'> {
    const columns = ['value'];
    const all = Array.isArray(reply) ? reply.map((item) => [toJsonValue(item)]) : [[toJsonValue(reply)]];
    const rows: unknown[][] = [];
    let bytes = 0;
    let truncated = false;
    for (const row of all) {
      const size = Buffer.byteLength(JSON.stringify(row));
      if (rows.length >= request.maxRows || bytes + size > request.maxBytes) {
        truncated = true;
        break;
      }
      rows.push(row);
      bytes += size;
    }
    return { columns, rows, rowCount: rows.length, truncated };
  }

  /** Calls `each` with every batch of the database's keys (as bytes, prefix included); stops when it returns false. */
  private async forEachKeyBatch(
    admin: Redis,
    prefix: string,
    each: (keys: Buffer[]) => Promise<boolean | void>,
  ): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scanBuffer(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', SCAN_COUNT);
      cursor = next.toString();
      if ((await each(keys)) === false) return;
    } while (cursor !== '0');
  }

  private async keysByType(databaseName: string): Promise<Map<KeyType, number>> {
    return this.adminCall(async (admin) => {
      const counts = new Map<KeyType, number>();
      let seen = 0;
      await this.forEachKeyBatch(admin, prefixOf(databaseName), async (keys) => {
        const batch = keys.slice(0, MAX_KEYS_LISTED - seen);
        seen += batch.length;
        if (batch.length > 0) {
          const pipeline = admin.pipeline();
          for (const key of batch) pipeline.type(key);
          for (const [error, type] of (await pipeline.exec()) ?? []) {
            if (!error && (KEY_TYPES as readonly string[]).includes(String(type))) {
              counts.set(type as KeyType, (counts.get(type as KeyType) ?? 0) + 1);
            }
          }
        }
        return seen < MAX_KEYS_LISTED;
      });
      return counts;
    });
  }

  async listTables(target: DatabaseTarget): Promise<TableSummary[]> {
    const counts = await this.keysByType(target.databaseName);
    return KEY_TYPES.filter((type) => counts.has(type)).map((type) => ({
      name: type,
      kind: 'KEY_GROUP' as const,
      rowEstimate: counts.get(type) ?? 0,
    }));
  }

  async tableInfo(target: DatabaseTarget, table: string): Promise<TableInfo | null> {
    if (!(KEY_TYPES as readonly string[]).includes(table)) return null;
    const type = table as KeyType;
    const count = (await this.keysByType(target.databaseName)).get(type);
    if (count === undefined) return null;
    const columns: ColumnInfo[] = TYPE_COLUMNS[type].map(([name, columnType]) => ({
      name,
      type: columnType,
      nullable: false,
      defaultValue: null,
    }));
    return { name: type, kind: 'KEY_GROUP', rowEstimate: count, columns, indexes: [] };
  }

  async dump(target: DatabaseTarget, out: Writable): Promise<void> {
    const prefix = Buffer.from(prefixOf(target.databaseName));
    await writeLine(out, JSON.stringify({ format: DUMP_FORMAT, version: DUMP_VERSION }));
    await this.adminCall(async (admin) => {
      await this.forEachKeyBatch(admin, prefix.toString(), async (keys) => {
        if (keys.length === 0) return;
        const pipeline = admin.pipeline();
        // The server's clock: an expiry is recorded as the moment it falls, so a restore keeps it.
        pipeline.time();
        for (const key of keys) {
          pipeline.dumpBuffer(key);
          pipeline.pttl(key);
        }
        const replies = (await pipeline.exec()) ?? [];
        const [timeError, time] = replies[0] ?? [];
        if (timeError) throw timeError;
        const [seconds, micros] = time as [string, string];
        const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
        for (let i = 0; i < keys.length; i += 1) {
          const [dumpError, value] = replies[1 + 2 * i] ?? [];
          const [ttlError, ttl] = replies[2 + 2 * i] ?? [];
          if (dumpError) throw dumpError;
          if (ttlError) throw ttlError;
          // Gone (deleted or expired) since the scan found it.
          if (value === null || Number(ttl) === -2) continue;
          const line: DumpLine = {
            k: (keys[i] as Buffer).subarray(prefix.length).toString('base64'),
            t: Number(ttl) < 0 ? -1 : now + Number(ttl),
            v: (value as Buffer).toString('base64'),
          };
          await writeLine(out, JSON.stringify(line));
        }
      });
    });
    await endOfDump(out);
  }

  async restore(target: DatabaseTarget, input: Readable, progress?: RestoreProgress): Promise<void> {
    const prefix = Buffer.from(prefixOf(target.databaseName));
    const lines = readLines(input);
    try {
      const first = await lines.next();
      const version = first.done ? undefined : dumpVersion(first.value.line);
      if (version === undefined) {
        throw new DatabaseException(
          DatabaseExceptionReason.BACKUP_CORRUPT,
          'This is not a Redis dump of this platform',
        );
      }
      progress?.(first.value.bytesRead);
      await this.adminCall(async (admin) => {
        await this.forEachKeyBatch(admin, prefix.toString(), async (keys) => {
          if (keys.length > 0) await admin.unlink(...keys);
        });
        for await (const { line, bytesRead } of lines) {
          const entry = parseDumpLine(line);
          const key = Buffer.concat([prefix, Buffer.from(entry.k, 'base64')]);
          const value = Buffer.from(entry.v, 'base64');
          if (entry.t < 0) {
            await admin.call('RESTORE', key, '0', value, 'REPLACE');
          } else if (version === 1) {
            // A key with no time left had expired: it is not made persistent (RESTORE takes 0 as none).
            if (entry.t > 0) await admin.call('RESTORE', key, String(entry.t), value, 'REPLACE');
          } else if (entry.t > 0) {
            // The server creates nothing for an expiry already past.
            await admin.call('RESTORE', key, String(entry.t), value, 'REPLACE', 'ABSTTL');
          }
          progress?.(bytesRead);
        }
      });
    } finally {
      // Stops reading (and releases) the input when the restore ends early.
      await lines.return(undefined);
    }
  }

  async close(): Promise<void> {
    const client = this.adminClient;
    this.adminClient = null;
    if (client) await client.quit().catch(() => client.disconnect());
  }
}

/** The prefix as a SCAN MATCH pattern: platform names hold no glob characters, but escape them anyway. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** The dump format's version, if the line is the header of a dump of this platform's. */
function dumpVersion(line: string): 1 | 2 | undefined {
  try {
    const header = JSON.parse(line) as { format?: unknown; version?: unknown };
    return header.format === DUMP_FORMAT && DUMP_VERSIONS.includes(header.version)
      ? (header.version as 1 | 2)
      : undefined;
  } catch {
    return undefined;
  }
}

function parseDumpLine(line: string): DumpLine {
  let entry: Partial<DumpLine>;
  try {
    entry = JSON.parse(line) as Partial<DumpLine>;
  } catch {
    throw new DatabaseException(DatabaseExceptionReason.BACKUP_CORRUPT, 'The Redis dump has a line that is not JSON');
  }
  if (typeof entry.k !== 'string' || typeof entry.v !== 'string' || typeof entry.t !== 'number') {
    throw new DatabaseException(DatabaseExceptionReason.BACKUP_CORRUPT, 'The Redis dump has a line without k, t and v');
  }
  return entry as DumpLine;
}

/** The REDIS driver (see `DatabaseEngineDriver`). */
export function createRedisDriver(host: DatabaseHost): DatabaseEngineDriver {
  return new RedisDriver(host);
}
