import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import Redis from 'ioredis';
import { BSON, Decimal128, Double, Int32, Long, MongoClient, ObjectId, Binary, type Document } from 'mongodb';
import { parseDatabaseHosts, type DatabaseHost } from '../src/config/database-hosts';
import { DatabaseException, DatabaseExceptionReason } from '../src/databases/database.exception';
import type { DatabaseEngineDriver, DatabaseTarget, QueryRequest } from '../src/databases/engines/database-engine';
import { createMongodbDriver } from '../src/databases/engines/mongodb.engine';
import { createRedisDriver } from '../src/databases/engines/redis.engine';
import { waitFor } from './support/graphql-client';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startRedis } = require('../tools/embedded-servers') as {
  startRedis: () => Promise<{ url: string; port: number; stop: () => Promise<void> }>;
};

const { EJSON } = BSON;
const hosts = parseDatabaseHosts(process.env.DATABASE_HOSTS);

function newTarget(password = randomBytes(24).toString('base64url')): DatabaseTarget {
  const id = randomBytes(12).toString('hex');
  return { databaseName: `db_${id}`, username: `u_${id}`, password };
}

function request(query: string, overrides: Partial<QueryRequest> = {}): QueryRequest {
  return { query, params: [], readOnly: true, timeoutMs: 5_000, maxRows: 1_000, maxBytes: 1_000_000, ...overrides };
}

/** The reason a promise is rejected with, as a DatabaseException's. */
async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DatabaseException) return error.reason;
    throw error;
  }
  throw new Error('expected a DatabaseException, but it succeeded');
}

async function dumpToBuffer(driver: DatabaseEngineDriver, target: DatabaseTarget): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await driver.dump(target, out);
  out.end();
  return Buffer.concat(chunks);
}

/** Restores from a stream that delivers the dump in small chunks, recording the progress reported. */
async function restoreFrom(driver: DatabaseEngineDriver, target: DatabaseTarget, dump: Buffer): Promise<number[]> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < dump.length; i += 1_000) chunks.push(dump.subarray(i, i + 1_000));
  const progress: number[] = [];
  await driver.restore(target, Readable.from(chunks), (bytes) => progress.push(bytes));
  return progress;
}

/** A restore of something that is not a dump is refused, and the rest of its input is not waited for. */
async function refusedAndReleased(driver: DatabaseEngineDriver, target: DatabaseTarget): Promise<string> {
  const input = new PassThrough();
  input.write('{"format":"something-else","version":1}\n');
  const reason = await reasonOf(driver.restore(target, input));
  expect(input.destroyed).toBe(true);
  return reason;
}

describe('Redis engine driver (a real Redis 7)', () => {
  const host = hosts.REDIS as DatabaseHost;
  const driver = createRedisDriver(host);
  const admin = new Redis(host.adminUrl, { lazyConnect: true });
  const a = newTarget();
  const b = newTarget();
  const clients: Redis[] = [];
  const connect = (url: string): Redis => {
    const client = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableReadyCheck: false,
    });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  const pa = `${a.databaseName}:`;
  const pb = `${b.databaseName}:`;
  const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13]);

  /** Every key of a prefix (without it, in base64) with its type, its content and whether it expires. */
  async function snapshot(prefix: string): Promise<Record<string, { type: string; value: unknown; expires: boolean }>> {
    const result: Record<string, { type: string; value: unknown; expires: boolean }> = {};
    let cursor = '0';
    do {
      const [next, keys] = await admin.scanBuffer(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next.toString();
      for (const key of keys) {
        const type = await admin.type(key);
        let value: unknown;
        if (type === 'string') value = (await admin.getBuffer(key))?.toString('base64');
        else if (type === 'hash') value = Object.entries(await admin.hgetall(key)).sort();
        else if (type === 'list') value = await admin.lrange(key, 0, -1);
        else if (type === 'set') value = (await admin.smembers(key)).sort();
        else if (type === 'zset') value = await admin.zrange(key, 0, -1, 'WITHSCORES');
        else if (type === 'stream') value = await admin.xrange(key, '-', '+');
        const ttl = await admin.pttl(key);
        result[key.subarray(prefix.length).toString('base64')] = { type, value, expires: ttl > 0 };
      }
    } while (cursor !== '0');
    return result;
  }

  /** How authenticating as a user ends on a fresh connection: 'OK' or the server's error. */
  async function auth(username: string, password: string): Promise<string> {
    const client = connect(`redis://${host.host}:${host.port}`);
    try {
      await client.connect();
      return String(await client.call('AUTH', username, password));
    } catch (error) {
      return (error as Error).message;
    } finally {
      client.disconnect();
    }
  }

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await driver.drop(a).catch(() => undefined);
    await driver.drop(b).catch(() => undefined);
    await driver.close();
    admin.disconnect();
  });

  it('provisions two databases, each with a read-write and a read-only user, and provisioning again changes nothing', async () => {
    await driver.provision(a);
    await driver.provision(b);
    await driver.provision(a);
    expect(await driver.exists(a)).toEqual({ database: false, user: true });
    expect(await admin.call('ACL', 'GETUSER', `${a.username}_ro`)).not.toBeNull();
    expect(driver.connectionString(a)).toBe(`redis://${a.username}:${a.password}@${host.host}:${host.port}/0`);
  });

  it('connects with the connection string and writes every type of value under its prefix', async () => {
    const client = connect(driver.connectionString(a));
    await client.connect();
    await client.set(`${pa}str`, 'hello');
    await client.set(Buffer.from(`${pa}bin`), binary);
    await client.set(`${pa}ttl`, 'soon gone', 'EX', 3_600);
    await client.hset(`${pa}hash`, { name: 'Ada', lang: 'en' });
    await client.rpush(`${pa}list`, 'one', 'two', 'three', 'four', 'five');
    await client.sadd(`${pa}set`, 'x', 'y', 'z');
    await client.zadd(`${pa}zset`, 1, 'first', 2.5, 'second');
    await client.xadd(`${pa}stream`, '1-1', 'event', 'signup');
    await client.subscribe(`${pa}news`);
    await client.unsubscribe();
    expect(await driver.exists(a)).toEqual({ database: true, user: true });
    expect(await admin.getBuffer(`${pa}bin`)).toEqual(binary);
  });

  it("keeps another database's user away from these keys, their names and the server", async () => {
    const other = connect(driver.connectionString(b));
    await other.connect();
    await other.set(`${pb}mine`, 'ok');
    expect(await other.get(`${pb}mine`)).toBe('ok');
    const refused: [string, ...string[]][] = [
      ['GET', `${pa}str`],
      ['SET', `${pa}str`, 'overwritten'],
      ['DEL', `${pa}str`],
      ['RENAME', `${pb}mine`, `${pa}stolen`],
      ['EXISTS', `${pa}str`],
      ['OBJECT', 'ENCODING', `${pa}str`],
      ['KEYS', '*'],
      ['SCAN', '0'],
      ['RANDOMKEY'],
      ['DBSIZE'],
      ['INFO', 'keyspace'],
      ['SELECT', '1'],
      ['SWAPDB', '0', '1'],
      ['MOVE', `${pb}mine`, '1'],
      ['COPY', `${pb}mine`, `${pb}copy`, 'DB', '1'],
      ['FLUSHALL'],
      ['FLUSHDB'],
      ['CONFIG', 'GET', '*'],
      ['EVAL', 'return 1', '0'],
      ['SCRIPT', 'FLUSH'],
      ['FUNCTION', 'LIST'],
      ['CLIENT', 'LIST'],
      ['CLIENT', 'KILL', 'USER', a.username],
      ['CLIENT', 'TRACKING', 'ON', 'BCAST'],
      ['MONITOR'],
      ['SLOWLOG', 'GET'],
      ['ACL', 'LIST'],
      ['ACL', 'SETUSER', b.username, '~*'],
      ['PUBSUB', 'CHANNELS'],
      ['PUBLISH', `${pa}news`, 'hi'],
      ['BLPOP', `${pb}list`, '1'],
      ['WAIT', '1', '0'],
      ['SORT', `${pb}list`, 'BY', `${pa}*`],
      ['MEMORY', 'STATS'],
      ['SHUTDOWN'],
    ];
    for (const [command, ...args] of refused) {
      await expect(other.call(command, ...args)).rejects.toThrow(/NOPERM/);
    }
    // The server checks DEBUG against its own setting before the user's rules: ask the rules.
    await expect(admin.call('ACL', 'DRYRUN', b.username, 'DEBUG', 'SLEEP', '0')).resolves.toMatch(/no permissions/);
    await expect(admin.call('ACL', 'DRYRUN', b.username, 'GET', `${pb}mine`)).resolves.toBe('OK');
    expect(await admin.get(`${pa}str`)).toBe('hello');
    expect(await admin.exists(`${pa}stolen`)).toBe(0);
  });

  it('answers the console with the database user, and the server refuses writes in read-only mode', async () => {
    const get = await driver.execute(a, request(`GET ${pa}str`));
    expect(get).toMatchObject({ columns: ['value'], rows: [['hello']], rowCount: 1, truncated: false });
    expect(get.durationMs).toBeGreaterThanOrEqual(0);
    const list = await driver.execute(a, request(`LRANGE ${pa}list 0 -1`));
    expect(list.rows).toEqual([['one'], ['two'], ['three'], ['four'], ['five']]);
    const hash = await driver.execute(a, request(`HGETALL ${pa}hash`));
    expect(hash.columns).toEqual(['value']);
    expect(hash.rows.flat().sort()).toEqual(['Ada', 'en', 'lang', 'name']);
    const nested = await driver.execute(a, request(`XRANGE ${pa}stream - +`));
    expect(nested.rows).toEqual([[['1-1', ['event', 'signup']]]]);
    expect((await driver.execute(a, request(`ZSCORE ${pa}zset second`))).rows).toEqual([['2.5']]);
    expect((await driver.execute(a, request(`GET ${pa}missing`))).rows).toEqual([[null]]);

    expect(await reasonOf(driver.execute(a, request(`SET ${pa}str "read only?"`)))).toBe(
      DatabaseExceptionReason.READ_ONLY_VIOLATION,
    );
    expect(await reasonOf(driver.execute(a, request(`DEL ${pa}str`)))).toBe(
      DatabaseExceptionReason.READ_ONLY_VIOLATION,
    );
    expect(await admin.get(`${pa}str`)).toBe('hello');
    // The read-only user itself is refused by the server, whatever the console sends.
    const readOnlyUser = connect(`redis://${a.username}_ro:${a.password}@${host.host}:${host.port}/0`);
    await readOnlyUser.connect();
    expect(await readOnlyUser.get(`${pa}str`)).toBe('hello');
    await expect(readOnlyUser.set(`${pa}str`, 'x')).rejects.toThrow(/NOPERM/);
    await expect(readOnlyUser.get(`${pb}mine`)).rejects.toThrow(/NOPERM/);

    const set = await driver.execute(a, request(`SET ${pa}quoted "two words \\"quoted\\""`, { readOnly: false }));
    expect(set.rows).toEqual([['OK']]);
    expect(await admin.get(`${pa}quoted`)).toBe('two words "quoted"');
    await driver.execute(a, request(`SET ${pa}param`, { readOnly: false, params: ['from a parameter'] }));
    expect(await admin.get(`${pa}param`)).toBe('from a parameter');
    await driver.execute(a, request(`DEL ${pa}quoted ${pa}param`, { readOnly: false }));
  });

  it('truncates at the row and byte limits', async () => {
    const rows = await driver.execute(a, request(`LRANGE ${pa}list 0 -1`, { maxRows: 2 }));
    expect(rows).toMatchObject({ rows: [['one'], ['two']], rowCount: 2, truncated: true });
    const bytes = await driver.execute(a, request(`LRANGE ${pa}list 0 -1`, { maxBytes: 20 }));
    expect(bytes.truncated).toBe(true);
    expect(bytes.rows.length).toBeLessThan(5);
    expect(Buffer.byteLength(JSON.stringify(bytes.rows))).toBeLessThanOrEqual(20 + bytes.rows.length + 2);
  });

  it('refuses bad command lines, other prefixes, denied commands, and a command past the time limit', async () => {
    expect(await reasonOf(driver.execute(a, request(`GET "${pa}str`)))).toBe(DatabaseExceptionReason.INVALID_QUERY);
    expect(await reasonOf(driver.execute(a, request('   ')))).toBe(DatabaseExceptionReason.INVALID_QUERY);
    expect(await reasonOf(driver.execute(a, request('NOSUCHCOMMAND x')))).toBe(DatabaseExceptionReason.INVALID_QUERY);
    expect(await reasonOf(driver.execute(a, request('GET')))).toBe(DatabaseExceptionReason.INVALID_QUERY);
    expect(await reasonOf(driver.execute(a, request(`GET ${pa}str`, { params: [{ no: 'objects' }] })))).toBe(
      DatabaseExceptionReason.INVALID_QUERY,
    );
    expect(await reasonOf(driver.execute(a, request(`GET ${pb}mine`)))).toBe(DatabaseExceptionReason.QUERY_FAILED);
    expect(await reasonOf(driver.execute(a, request(`SET ${pb}mine x`, { readOnly: false })))).toBe(
      DatabaseExceptionReason.QUERY_FAILED,
    );
    expect(await reasonOf(driver.execute(a, request('KEYS *')))).toBe(DatabaseExceptionReason.QUERY_FAILED);
    expect(await reasonOf(driver.execute(a, request('FLUSHALL', { readOnly: false })))).toBe(
      DatabaseExceptionReason.QUERY_FAILED,
    );
    expect(await reasonOf(driver.execute(a, request(`HGET ${pa}str x`)))).toBe(DatabaseExceptionReason.QUERY_FAILED);

    // A list big enough that reading all of it takes longer than a millisecond.
    const big = `${pb}big`;
    const values = Array.from({ length: 5_000 }, (_, i) => `element-${i}-${'x'.repeat(40)}`);
    for (let i = 0; i < 40; i += 1) await admin.rpush(big, ...values);
    expect(await reasonOf(driver.execute(b, request(`LRANGE ${big} 0 -1`, { timeoutMs: 1 })))).toBe(
      DatabaseExceptionReason.QUERY_TIMEOUT,
    );
    await admin.unlink(big);
    expect(await admin.get(`${pa}str`)).toBe('hello');
  });

  it('groups the keys by type as tables', async () => {
    const tables = await driver.listTables(a);
    expect(tables).toEqual([
      { name: 'string', kind: 'KEY_GROUP', rowEstimate: 3 },
      { name: 'hash', kind: 'KEY_GROUP', rowEstimate: 1 },
      { name: 'list', kind: 'KEY_GROUP', rowEstimate: 1 },
      { name: 'set', kind: 'KEY_GROUP', rowEstimate: 1 },
      { name: 'zset', kind: 'KEY_GROUP', rowEstimate: 1 },
      { name: 'stream', kind: 'KEY_GROUP', rowEstimate: 1 },
    ]);
    const zset = await driver.tableInfo(a, 'zset');
    expect(zset).toMatchObject({ name: 'zset', kind: 'KEY_GROUP', rowEstimate: 1, indexes: [] });
    expect(zset?.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['key:string', 'member:string', 'score:double']);
    expect(await driver.tableInfo(a, 'tables')).toBeNull();
    expect((await driver.listTables(b)).map((t) => t.name)).toEqual(['string']);
    expect(await driver.tableInfo(b, 'hash')).toBeNull();
  });

  let dump: Buffer;
  let before: Record<string, { type: string; value: unknown; expires: boolean }>;

  it('dumps every key, restores exactly what was there after changes, and reports progress', async () => {
    before = await snapshot(pa);
    expect(Object.keys(before)).toHaveLength(8);
    dump = await dumpToBuffer(driver, a);
    const lines = dump.toString().trim().split('\n');
    expect(JSON.parse(lines[0] as string)).toEqual({ format: 'slipway-redis-dump', version: 2 });
    expect(lines).toHaveLength(9);
    expect(dump.toString()).not.toContain(a.databaseName);

    await admin.set(`${pa}str`, 'changed');
    await admin.unlink(`${pa}hash`, `${pa}zset`);
    await admin.persist(`${pa}ttl`);
    await admin.set(`${pa}added`, 'later');
    expect(await snapshot(pa)).not.toEqual(before);

    const progress = await restoreFrom(driver, a, dump);
    expect(await snapshot(pa)).toEqual(before);
    expect(progress.at(-1)).toBe(dump.length);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    const client = connect(driver.connectionString(a));
    await client.connect();
    expect(await client.getBuffer(`${pa}bin`)).toEqual(binary);
    expect(await client.pttl(`${pa}ttl`)).toBeGreaterThan(3_000_000);
    expect(await client.zscore(`${pa}zset`, 'second')).toBe('2.5');
  });

  it("restores into another database under that database's prefix, replacing what it held", async () => {
    await restoreFrom(driver, b, dump);
    expect(await snapshot(pb)).toEqual(before);
    expect(await admin.exists(`${pb}mine`)).toBe(0);
    expect(await snapshot(pa)).toEqual(before);
  });

  it('refuses a dump that is not one of its own', async () => {
    const notADump = Buffer.from('{"format":"something-else","version":1}\n');
    expect(await reasonOf(restoreFrom(driver, b, notADump))).toBe(DatabaseExceptionReason.BACKUP_CORRUPT);
    expect(await refusedAndReleased(driver, b)).toBe(DatabaseExceptionReason.BACKUP_CORRUPT);
    expect(await snapshot(pb)).toEqual(before);
  });

  it('changes the password: the old one is refused and connections made with it end, the new one works', async () => {
    const old = connect(driver.connectionString(a));
    await old.connect();
    expect(await old.get(`${pa}str`)).toBe('hello');
    const rotated = { ...a, password: randomBytes(24).toString('base64url') };
    await driver.setPassword(rotated);
    expect(await auth(a.username, a.password)).toMatch(/WRONGPASS/);
    expect(await auth(`${a.username}_ro`, a.password)).toMatch(/WRONGPASS/);
    expect(await auth(`${a.username}_ro`, rotated.password)).toBe('OK');
    await expect(old.get(`${pa}str`)).rejects.toThrow();
    const renewed = connect(driver.connectionString(rotated));
    await renewed.connect();
    expect(await renewed.get(`${pa}str`)).toBe('hello');
    expect((await driver.execute(rotated, request(`GET ${pa}str`))).rows).toEqual([['hello']]);
    expect(await reasonOf(driver.execute(a, request(`GET ${pa}str`)))).toBe(DatabaseExceptionReason.HOST_UNAVAILABLE);
    Object.assign(a, { password: rotated.password });
  });

  it('drops the database: its keys and both users are gone, and its user can no longer connect', async () => {
    await driver.drop(a);
    expect(await driver.exists(a)).toEqual({ database: false, user: false });
    expect(await snapshot(pa)).toEqual({});
    expect(await admin.call('ACL', 'GETUSER', `${a.username}_ro`)).toBeNull();
    expect(await auth(a.username, a.password)).toMatch(/WRONGPASS/);
    expect(await snapshot(pb)).toEqual(before);
    await driver.drop(a);
  });

  it('leaves no user behind when the connection to the server is lost half-way through provisioning', async () => {
    // A proxy that cuts its first connection as soon as the read-only user's rules are sent: the
    // read-write user exists on the server by then.
    let cut = false;
    const upstream = new URL(host.adminUrl);
    const proxy = net.createServer((socket) => {
      const server = net.connect(Number(upstream.port), upstream.hostname);
      const watching = !cut;
      socket.on('data', (data: Buffer) => {
        if (watching && !cut && data.includes('_ro')) {
          cut = true;
          socket.destroy();
          server.destroy();
          return;
        }
        server.write(data);
      });
      server.on('data', (data: Buffer) => socket.write(data));
      server.on('error', () => socket.destroy());
      socket.on('error', () => server.destroy());
      server.on('close', () => socket.destroy());
      socket.on('close', () => server.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as net.AddressInfo).port;
    const proxied = new URL(host.adminUrl);
    proxied.port = String(port);
    const flaky = createRedisDriver({ adminUrl: proxied.toString(), host: host.host, port: host.port });
    const c = newTarget('a-password-without-the-suffix');
    try {
      expect(await reasonOf(flaky.provision(c))).toBe(DatabaseExceptionReason.HOST_UNAVAILABLE);
      expect(cut).toBe(true);
      expect(await admin.call('ACL', 'GETUSER', c.username)).toBeNull();
      expect(await admin.call('ACL', 'GETUSER', `${c.username}_ro`)).toBeNull();
    } finally {
      await flaky.close();
      await new Promise((resolve) => proxy.close(resolve));
      await admin.call('ACL', 'DELUSER', c.username, `${c.username}_ro`);
    }
  });

  it('keeps an expiry where it fell: a key that expired since the dump is not restored', async () => {
    const c = newTarget();
    await driver.provision(c);
    try {
      const pc = `${c.databaseName}:`;
      await admin.set(`${pc}soon`, 'x', 'PX', 2_000);
      await admin.set(`${pc}later`, 'y', 'PX', 600_000);
      await admin.set(`${pc}always`, 'z');
      const before = await admin.pexpiretime(`${pc}later`);
      const dump = await dumpToBuffer(driver, c);
      await waitFor(async () => (await admin.exists(`${pc}soon`)) === 0, 15_000, 'the key to expire');
      await restoreFrom(driver, c, dump);
      expect(await admin.exists(`${pc}soon`)).toBe(0);
      // The same moment (the server keeps expiries in whole milliseconds), not a later one.
      expect(Math.abs((await admin.pexpiretime(`${pc}later`)) - before)).toBeLessThanOrEqual(5);
      expect(await admin.pttl(`${pc}always`)).toBe(-1);
    } finally {
      await driver.drop(c);
    }
  });

  it('still restores a dump of the first format, without making a key that had no time left persistent', async () => {
    const c = newTarget();
    await driver.provision(c);
    try {
      const pc = `${c.databaseName}:`;
      await admin.set(`${pc}value`, 'v');
      const value = (await admin.dumpBuffer(`${pc}value`)).toString('base64');
      await admin.unlink(`${pc}value`);
      const line = (key: string, t: number) => JSON.stringify({ k: Buffer.from(key).toString('base64'), t, v: value });
      const dump = Buffer.from(
        [
          JSON.stringify({ format: 'slipway-redis-dump', version: 1 }),
          line('gone', 0),
          line('kept', -1),
          line('ttl', 600_000),
          '',
        ].join('\n'),
      );
      await restoreFrom(driver, c, dump);
      expect(await admin.exists(`${pc}gone`)).toBe(0);
      expect(await admin.get(`${pc}kept`)).toBe('v');
      expect(await admin.pttl(`${pc}kept`)).toBe(-1);
      expect(await admin.pttl(`${pc}ttl`)).toBeGreaterThan(500_000);
    } finally {
      await driver.drop(c);
    }
  });

  it('refuses to provision on a server whose default user needs no password, and makes nothing', async () => {
    const open = await startRedis();
    const openDriver = createRedisDriver({ adminUrl: open.url, host: '127.0.0.1', port: open.port });
    const openAdmin = new Redis(open.url, { lazyConnect: true });
    try {
      await openAdmin.connect();
      const c = newTarget();
      expect(await reasonOf(openDriver.provision(c))).toBe(DatabaseExceptionReason.HOST_UNAVAILABLE);
      expect(await openAdmin.call('ACL', 'GETUSER', c.username)).toBeNull();
      expect(await openAdmin.call('ACL', 'GETUSER', `${c.username}_ro`)).toBeNull();
    } finally {
      openAdmin.disconnect();
      await openDriver.close();
      await open.stop();
    }
  });

  it('refuses names that are not platform names before reaching the server', async () => {
    await expect(driver.provision({ ...newTarget(), username: 'u x' })).rejects.toThrow(/not a platform name/);
    await expect(driver.provision({ ...newTarget(), databaseName: 'db*' })).rejects.toThrow(/not a platform name/);
  });

  it('says the host is unavailable when nothing answers at its address', async () => {
    const down = createRedisDriver({ adminUrl: 'redis://default:x@127.0.0.1:1', host: '127.0.0.1', port: 1 });
    try {
      expect(await reasonOf(down.provision(newTarget()))).toBe(DatabaseExceptionReason.HOST_UNAVAILABLE);
    } finally {
      await down.close();
    }
  });
});

describe('MongoDB engine driver (the embedded MongoDB-protocol server, which has no users)', () => {
  const host = hosts.MONGODB as DatabaseHost;
  const driver = createMongodbDriver(host);
  const admin = new MongoClient(host.adminUrl, { serverSelectionTimeoutMS: 5_000 });
  const a = newTarget();
  const b = newTarget();
  const clients: MongoClient[] = [];
  const people: Document[] = [
    {
      _id: new ObjectId(),
      name: 'Ada',
      age: new Int32(36),
      score: new Double(1),
      balance: Decimal128.fromString('1234.5678'),
      visits: Long.fromString('9007199254740993'),
      born: new Date('1815-12-10T00:00:00.000Z'),
      avatar: new Binary(Buffer.from([0, 1, 2, 255])),
      address: { city: 'London', lines: ['1 Street', new Int32(2)] },
      email: 'ada@example.com',
    },
    {
      _id: new ObjectId(),
      name: 'Grace',
      age: new Int32(45),
      score: new Double(2.5),
      email: 'grace@example.com',
      note: null,
    },
    { _id: 'custom-id', name: 'Linus', age: new Int32(28), email: 'linus@example.com' },
  ];

  /** Every collection's documents (types kept, sorted by _id) and index names, as canonical Extended JSON. */
  async function snapshot(databaseName: string): Promise<Record<string, { documents: string; indexes: string[] }>> {
    const db = admin.db(databaseName);
    const result: Record<string, { documents: string; indexes: string[] }> = {};
    for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
      const documents = await db.collection(name).find({}, { promoteValues: false, bsonRegExp: true }).toArray();
      documents.sort((x, y) => EJSON.stringify(x._id).localeCompare(EJSON.stringify(y._id)));
      const indexes = (await db.collection(name).listIndexes().toArray()).map((index) => String(index.name)).sort();
      result[name] = { documents: EJSON.stringify(documents, { relaxed: false }), indexes };
    }
    return result;
  }

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await driver.drop(a).catch(() => undefined);
    await driver.drop(b).catch(() => undefined);
    await driver.close();
    await admin.close();
  });

  it('provisions without making anything: the server has no users and makes a database with its first collection', async () => {
    await driver.provision(a);
    await driver.provision(b);
    await driver.provision(a);
    expect(await driver.exists(a)).toEqual({ database: false, user: false });
    expect(driver.connectionString(a)).toBe(`mongodb://${host.host}:${host.port}/${a.databaseName}`);
  });

  it('connects with the connection string and writes data; credentials in the URL cannot even log in here', async () => {
    const client = new MongoClient(driver.connectionString(a), { serverSelectionTimeoutMS: 5_000 });
    clients.push(client);
    await client.connect();
    const db = client.db();
    expect(db.databaseName).toBe(a.databaseName);
    await db.collection('people').insertMany(people.map((person) => ({ ...person })));
    await db.collection('people').createIndex({ email: 1 }, { unique: true, name: 'email_1' });
    await db.collection('events').insertOne({ _id: new ObjectId(), kind: 'signup', at: new Date() });
    expect(await driver.exists(a)).toEqual({ database: true, user: false });

    const withCredentials = new MongoClient(
      `mongodb://${a.username}:${a.password}@${host.host}:${host.port}/${a.databaseName}?authSource=${a.databaseName}`,
      { serverSelectionTimeoutMS: 5_000 },
    );
    clients.push(withCredentials);
    await expect(withCredentials.connect()).rejects.toThrow(/saslStart|no such command/);
  });

  it('never lets the console reach another database', async () => {
    await admin
      .db(b.databaseName)
      .collection<{ _id: string; secret: boolean }>('people')
      .insertOne({ _id: 'b-only', secret: true });
    const own = await driver.execute(a, request('{"find": "people", "filter": {"_id": "b-only"}}'));
    expect(own.rows).toEqual([]);
    const reaching = [
      '{"find": "people", "$db": "' + b.databaseName + '"}',
      '{"listDatabases": 1}',
      '{"aggregate": "people", "pipeline": [{"$out": {"db": "' + b.databaseName + '", "coll": "x"}}], "cursor": {}}',
      '{"aggregate": "people", "pipeline": [{"$merge": {"into": {"db": "' +
        b.databaseName +
        '", "coll": "x"}}}], "cursor": {}}',
      '{"aggregate": "people", "pipeline": [{"$lookup": {"from": {"db": "' +
        b.databaseName +
        '", "coll": "people"}, "pipeline": [], "as": "x"}}], "cursor": {}}',
      '{"aggregate": 1, "pipeline": [{"$currentOp": {}}], "cursor": {}}',
      '{"renameCollection": "' + a.databaseName + '.people", "to": "' + b.databaseName + '.people"}',
      '{"getMore": 1, "collection": "people"}',
      '{"copydb": 1, "fromdb": "' + b.databaseName + '", "todb": "' + a.databaseName + '"}',
    ];
    for (const query of reaching) {
      expect(await reasonOf(driver.execute(a, request(query, { readOnly: false })))).toBe(
        DatabaseExceptionReason.INVALID_QUERY,
      );
    }
    expect(await admin.db(b.databaseName).collection('people').countDocuments()).toBe(1);
    expect((await admin.db(b.databaseName).listCollections().toArray()).map((c) => c.name)).toEqual(['people']);
    await admin.db(b.databaseName).dropDatabase();
  });

  it('answers finds and commands, refuses writes in read-only mode and changes nothing, and writes in read-write mode', async () => {
    const found = await driver.execute(
      a,
      request(
        '{"find": "people", "filter": {"age": {"$gt": 30}}, "sort": {"age": 1}, "projection": {"name": 1, "age": 1, "balance": 1}}',
      ),
    );
    expect(found.columns).toEqual(['_id', 'name', 'age', 'balance']);
    expect(found.rows.map((row) => row.slice(1))).toEqual([
      ['Ada', 36, { $numberDecimal: '1234.5678' }],
      ['Grace', 45, null],
    ]);
    expect(found).toMatchObject({ rowCount: 2, truncated: false });
    const count = await driver.execute(a, request('{"count": "people"}'));
    expect(count.columns).toContain('n');
    expect(count.rows[0]?.[count.columns.indexOf('n')]).toBe(3);
    const aggregated = await driver.execute(
      a,
      request(
        '{"aggregate": "people", "pipeline": [{"$group": {"_id": null, "total": {"$sum": "$age"}}}], "cursor": {}}',
      ),
    );
    expect(aggregated.rows).toEqual([[null, 109]]);

    for (const query of [
      '{"insert": "people", "documents": [{"name": "Intruder"}]}',
      '{"update": "people", "updates": [{"q": {}, "u": {"$set": {"name": "x"}}, "multi": true}]}',
      '{"delete": "people", "deletes": [{"q": {}, "limit": 0}]}',
      '{"drop": "people"}',
      '{"aggregate": "people", "pipeline": [{"$out": "copy"}], "cursor": {}}',
    ]) {
      expect(await reasonOf(driver.execute(a, request(query)))).toBe(DatabaseExceptionReason.READ_ONLY_VIOLATION);
    }
    expect(await snapshot(a.databaseName)).toMatchObject({ people: { indexes: ['_id_', 'email_1'] } });
    expect(await admin.db(a.databaseName).collection('people').countDocuments()).toBe(3);
    expect((await admin.db(a.databaseName).listCollections().toArray()).map((c) => c.name).sort()).toEqual([
      'events',
      'people',
    ]);

    const inserted = await driver.execute(
      a,
      request(
        '{"insert": "people", "documents": [{"_id": "temp", "name": "Temp", "born": {"$date": "2000-01-01T00:00:00Z"}}]}',
        {
          readOnly: false,
        },
      ),
    );
    expect(inserted.rowCount).toBe(1);
    const temp = await admin
      .db(a.databaseName)
      .collection('people')
      .findOne({ _id: 'temp' } as Document);
    expect(temp?.born).toEqual(new Date('2000-01-01T00:00:00Z'));
    const removed = await driver.execute(
      a,
      request('{"delete": "people", "deletes": [{"q": {"_id": "temp"}, "limit": 1}]}', { readOnly: false }),
    );
    expect(removed.rowCount).toBe(1);
    expect(
      await reasonOf(
        driver.execute(
          a,
          request('{"insert": "people", "documents": [{"email": "ada@example.com"}]}', { readOnly: false }),
        ),
      ),
    ).toBe(DatabaseExceptionReason.QUERY_FAILED);
    expect(await admin.db(a.databaseName).collection('people').countDocuments()).toBe(3);
  });

  it('truncates at the row and byte limits, reading past the first batch', async () => {
    const rows = await driver.execute(
      a,
      request('{"find": "people", "sort": {"age": 1}, "batchSize": 1}', { maxRows: 2 }),
    );
    expect(rows).toMatchObject({ rowCount: 2, truncated: true });
    expect(rows.rows.map((row) => row[rows.columns.indexOf('name')])).toEqual(['Linus', 'Ada']);
    const bytes = await driver.execute(a, request('{"find": "people", "sort": {"age": 1}}', { maxBytes: 150 }));
    expect(bytes.truncated).toBe(true);
    expect(bytes.rows.length).toBeLessThan(3);
  });

  it('refuses bad JSON, parameters, commands outside the console, and a command past the time limit', async () => {
    expect(await reasonOf(driver.execute(a, request('{"find": "people"')))).toBe(DatabaseExceptionReason.INVALID_QUERY);
    expect(await reasonOf(driver.execute(a, request('[{"find": "people"}]')))).toBe(
      DatabaseExceptionReason.INVALID_QUERY,
    );
    expect(await reasonOf(driver.execute(a, request('{"find": "people"}', { params: ['x'] })))).toBe(
      DatabaseExceptionReason.INVALID_QUERY,
    );
    expect(await reasonOf(driver.execute(a, request('{"shutdown": 1}', { readOnly: false })))).toBe(
      DatabaseExceptionReason.INVALID_QUERY,
    );
    // The embedded server ignores maxTimeMS: the driver cuts the connection. A $lookup without an
    // index compares every pair of documents, far past 100 ms for 2,000 of them.
    const slow = admin.db(a.databaseName).collection('slow');
    await slow.insertMany(Array.from({ length: 2_000 }, (_, i) => ({ i, g: i % 7 })));
    const lookup =
      '{"aggregate": "slow", "pipeline": [{"$lookup": {"from": "slow", "localField": "g", "foreignField": "i", "as": "j"}}, {"$count": "n"}], "cursor": {}}';
    expect(await reasonOf(driver.execute(a, request(lookup, { timeoutMs: 100 })))).toBe(
      DatabaseExceptionReason.QUERY_TIMEOUT,
    );
    await slow.drop();
  });

  it('lists the collections and describes one from a sample of its documents and its indexes', async () => {
    expect(await driver.listTables(a)).toEqual([
      { name: 'events', kind: 'COLLECTION', rowEstimate: 1 },
      { name: 'people', kind: 'COLLECTION', rowEstimate: 3 },
    ]);
    const info = await driver.tableInfo(a, 'people');
    expect(info).toMatchObject({ name: 'people', kind: 'COLLECTION', rowEstimate: 3 });
    const columns = Object.fromEntries((info?.columns ?? []).map((c) => [c.name, `${c.type}${c.nullable ? '?' : ''}`]));
    expect(columns).toMatchObject({
      _id: 'objectId|string',
      name: 'string',
      age: 'int',
      score: 'double?',
      balance: 'decimal?',
      visits: 'long?',
      born: 'date?',
      avatar: 'binData?',
      address: 'object?',
      email: 'string',
      note: 'null?',
    });
    expect(info?.indexes).toEqual([
      { name: '_id_', columns: ['_id'], unique: true, primary: true },
      { name: 'email_1', columns: ['email'], unique: true, primary: false },
    ]);
    expect(await driver.tableInfo(a, 'nothing')).toBeNull();
  });

  let dump: Buffer;
  let before: Record<string, { documents: string; indexes: string[] }>;

  it('dumps as canonical Extended JSON and restores exactly, types and indexes included, after changes', async () => {
    before = await snapshot(a.databaseName);
    expect(before.people?.documents).toContain('$numberDecimal');
    dump = await dumpToBuffer(driver, a);
    const lines = dump.toString().trim().split('\n');
    expect(JSON.parse(lines[0] as string)).toEqual({ format: 'slipway-mongodb-dump', version: 1 });
    expect(lines).toHaveLength(1 + 2 + 4);
    expect(dump.toString()).not.toContain(a.databaseName);
    expect(dump.toString()).toContain('{"$numberLong":"9007199254740993"}');

    const db = admin.db(a.databaseName);
    await db.collection('people').updateOne({ name: 'Ada' }, { $set: { age: 99 } });
    await db.collection('people').deleteOne({ name: 'Grace' });
    await db.collection('people').dropIndex('email_1');
    await db.collection('events').drop();
    await db.collection('added').insertOne({ later: true });
    expect(await snapshot(a.databaseName)).not.toEqual(before);

    const progress = await restoreFrom(driver, a, dump);
    expect(await snapshot(a.databaseName)).toEqual(before);
    expect(progress.at(-1)).toBe(dump.length);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    const ada = await db.collection('people').findOne({ name: 'Ada' }, { promoteValues: false });
    expect(ada?.score).toBeInstanceOf(Double);
    expect(ada?.visits).toEqual(Long.fromString('9007199254740993'));
  });

  it('restores into another database, and refuses a dump that is not one of its own', async () => {
    await admin.db(b.databaseName).collection('old').insertOne({ gone: true });
    await restoreFrom(driver, b, dump);
    expect(await snapshot(b.databaseName)).toEqual(before);
    expect(await snapshot(a.databaseName)).toEqual(before);
    expect(await reasonOf(restoreFrom(driver, b, Buffer.from('{"format":"slipway-redis-dump","version":1}\n')))).toBe(
      DatabaseExceptionReason.BACKUP_CORRUPT,
    );
    expect(await refusedAndReleased(driver, b)).toBe(DatabaseExceptionReason.BACKUP_CORRUPT);
    expect(await snapshot(b.databaseName)).toEqual(before);
  });

  it('has no password to change on a server without users, and the connection string still works', async () => {
    const rotated = { ...a, password: randomBytes(24).toString('base64url') };
    await driver.setPassword(rotated);
    const client = new MongoClient(driver.connectionString(rotated), { serverSelectionTimeoutMS: 5_000 });
    clients.push(client);
    await client.connect();
    expect(await client.db().collection('people').countDocuments()).toBe(3);
  });

  it('drops the database: it is gone from the server, and dropping again succeeds', async () => {
    await driver.drop(a);
    expect(await driver.exists(a)).toEqual({ database: false, user: false });
    const names = (await admin.db('admin').command({ listDatabases: 1, nameOnly: true })).databases.map(
      (db: { name: string }) => db.name,
    );
    expect(names).not.toContain(a.databaseName);
    expect(names).toContain(b.databaseName);
    await driver.drop(a);
  });

  it('says the host is unavailable when nothing answers at its address', async () => {
    const down = createMongodbDriver({ adminUrl: 'mongodb://127.0.0.1:1', host: '127.0.0.1', port: 1 });
    try {
      expect(await reasonOf(down.provision(newTarget()))).toBe(DatabaseExceptionReason.HOST_UNAVAILABLE);
    } finally {
      await down.close();
    }
  }, 20_000);
});
