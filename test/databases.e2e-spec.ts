import { getQueueToken } from '@nestjs/bull';
import { getModelToken } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import type { Model } from 'mongoose';
import { createServer } from 'node:net';
import {
  createConnection as createMysqlConnection,
  type Connection as MysqlConnection,
  type RowDataPacket,
} from 'mysql2/promise';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { Client as PgClient } from 'pg';
import { parseDatabaseHosts, type DatabaseEngineName } from '../src/config/database-hosts';
import { EncryptionService } from '../src/common/crypto/encryption.service';
import { DatabaseRecord } from '../src/databases/database.schema';
import { DatabasesService, STUCK_PROVISIONING_MS } from '../src/databases/databases.service';
import { DatabaseEnginesService } from '../src/databases/engines/database-engines.service';
import { DATABASES_QUEUE, DatabaseJob } from '../src/databases/jobs/database-jobs';
import { newObjectId } from '../src/common/mongo/object-id';
import { assignRole, createApiToken, createProject, registerUser, type TestUser } from './support/factories';
import { codeOf, gql, ok, reasonOf, waitFor, type GraphQLResponse } from './support/graphql-client';
import { operations, type Operations, type Project } from './support/operations';
import { waitForQueueIdle } from './support/queues';
import { startTestApp, type TestApp } from './support/test-app';

// ---- The API's documents -----------------------------------------------------------------------

interface Database {
  id: string;
  projectId: string;
  name: string;
  engine: DatabaseEngineName;
  status: 'PROVISIONING' | 'AVAILABLE' | 'FAILED' | 'DELETING';
  host: string | null;
  port: number | null;
  databaseName: string;
  username: string;
  keyPrefix: string | null;
  failureReason: string | null;
  credentialsRotatedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Credentials {
  username: string;
  password: string;
  host: string | null;
  port: number | null;
  databaseName: string;
  connectionString: string;
}

interface QueryResult {
  columns: string[];
  rows: unknown[][];
  rowCount: number;
  durationMs: number;
  truncated: boolean;
}

const DATABASE_FIELDS = `id projectId name engine status host port databaseName username keyPrefix failureReason
  credentialsRotatedAt createdAt updatedAt`;
const CREDENTIAL_FIELDS = 'username password host port databaseName connectionString';

const CREATE = `mutation ($input: CreateDatabaseInput!) {
  createDatabase(input: $input) { database { ${DATABASE_FIELDS} } connectionString }
}`;
const UPDATE = `mutation ($input: UpdateDatabaseInput!) { updateDatabase(input: $input) { ${DATABASE_FIELDS} } }`;
const DELETE = `mutation ($input: DatabaseRefInput!) { deleteDatabase(input: $input) { ${DATABASE_FIELDS} } }`;
const ROTATE = `mutation ($input: DatabaseRefInput!) { rotateDatabaseCredentials(input: $input) { ${CREDENTIAL_FIELDS} } }`;
const REVEAL = `mutation ($input: DatabaseRefInput!) { revealDatabaseCredentials(input: $input) { ${CREDENTIAL_FIELDS} } }`;
const EXECUTE = `mutation ($input: ExecuteQueryInput!) {
  executeQuery(input: $input) { columns rows rowCount durationMs truncated }
}`;
const LIST = `query ($projectId: ID!, $first: Int, $after: String) {
  databases(projectId: $projectId, first: $first, after: $after) {
    totalCount edges { cursor node { ${DATABASE_FIELDS} } } pageInfo { hasNextPage endCursor }
  }
}`;
const GET = `query ($id: ID!) { database(id: $id) { ${DATABASE_FIELDS} } }`;
const TABLES = `query ($databaseId: ID!) { listTables(databaseId: $databaseId) { name kind rowEstimate } }`;
const TABLE = `query ($databaseId: ID!, $table: String!) {
  tableInfo(databaseId: $databaseId, table: $table) {
    name kind rowEstimate columns { name type nullable defaultValue } indexes { name columns unique primary }
  }
}`;

// ---- Each engine, through its own client library ------------------------------------------------

/** One row of the test table: what is written, read back, and restored. */
type Row = [number, string];

interface EngineCase {
  engine: DatabaseEngineName;
  /** The test table (collection, key group) as listTables names it. */
  table: string;
  /** Whether the server checks the password in `url` (the MongoDB-protocol test server has no users). */
  authenticates(url: string): boolean;
  /** A console statement reaching into `other`, which the platform refuses, for servers without users. */
  crossQuery?(other: Database): string;
  /** Connects with `url` (the engine's own client) and writes `rows`. */
  write(url: string, database: Database, rows: Row[]): Promise<void>;
  /** The rows as the engine's own client reads them with `url`, in id order. */
  read(url: string, database: Database): Promise<Row[]>;
  /** Whether `url` connects and can read `database` at all. */
  canRead(url: string, database: Database): Promise<boolean>;
  /** `url`, pointed at another database of the same server, credentials kept. */
  retarget(url: string, other: Database): string;
  /** A console statement that reads the row with id `id`, and how the answer holds it. */
  readOne(database: Database, id: number): { query: string; params: unknown[]; expected: unknown[] };
  /** A console statement that adds `row`. */
  insert(database: Database, row: Row): { query: string; params: unknown[] };
  /**
   * A console statement answering with the user the server runs it as, and that user's name for
   * the database in each mode (servers without users have none to ask about).
   */
  whoAmI?: { query: string; user(database: Database, readOnly: boolean): string; of?(answer: unknown): unknown };
}

async function pgConnect<T>(url: string, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new PgClient({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const POSTGRESQL: EngineCase & { canReadServer(url: string): Promise<boolean> } = {
  engine: 'POSTGRESQL',
  table: 'items',
  authenticates: () => true,
  write: (url, _db, rows) =>
    pgConnect(url, async (client) => {
      await client.query('CREATE TABLE IF NOT EXISTS items (id integer PRIMARY KEY, label text NOT NULL)');
      for (const [id, label] of rows) await client.query('INSERT INTO items (id, label) VALUES ($1, $2)', [id, label]);
    }),
  read: (url) =>
    pgConnect(url, async (client) => {
      const { rows } = await client.query<{ id: number; label: string }>('SELECT id, label FROM items ORDER BY id');
      return rows.map((r) => [r.id, r.label] as Row);
    }),
  canRead: async (url) => {
    try {
      return await pgConnect(url, async (client) => (await client.query('SELECT count(*) FROM items')).rowCount === 1);
    } catch {
      return false;
    }
  },
  retarget: (url, other) => {
    const u = new URL(url);
    u.pathname = `/${other.databaseName}`;
    return u.toString();
  },
  readOne: (_db, id) => ({
    query: 'SELECT id, label FROM items WHERE id = $1',
    params: [id],
    expected: [[id, id === 1 ? 'alpha' : 'beta']],
  }),
  insert: (_db, [id, label]) => ({ query: 'INSERT INTO items (id, label) VALUES ($1, $2)', params: [id, label] }),
  whoAmI: { query: 'SELECT current_user', user: (db) => db.username },
  /** Whether `url` connects at all (its credentials work). */
  canReadServer: async (url) => {
    try {
      return await pgConnect(url, async (client) => (await client.query('SELECT 1')).rowCount === 1);
    } catch {
      return false;
    }
  },
};

async function mysqlConnect<T>(url: string, work: (connection: MysqlConnection) => Promise<T>): Promise<T> {
  const connection = await createMysqlConnection({ uri: url, connectTimeout: 10_000 });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

const MYSQL: EngineCase = {
  engine: 'MYSQL',
  table: 'items',
  authenticates: () => true,
  write: (url, _db, rows) =>
    mysqlConnect(url, async (connection) => {
      await connection.query('CREATE TABLE IF NOT EXISTS items (id INT PRIMARY KEY, label VARCHAR(100) NOT NULL)');
      for (const row of rows) await connection.execute('INSERT INTO items (id, label) VALUES (?, ?)', row);
    }),
  read: (url) =>
    mysqlConnect(url, async (connection) => {
      const [rows] = await connection.query<RowDataPacket[]>('SELECT id, label FROM items ORDER BY id');
      return rows.map((r) => [r.id as number, r.label as string] as Row);
    }),
  canRead: async (url) => {
    try {
      return await mysqlConnect(url, async (connection) => {
        const [rows] = await connection.query<RowDataPacket[]>('SELECT count(*) AS n FROM items');
        return rows.length === 1;
      });
    } catch {
      return false;
    }
  },
  retarget: (url, other) => {
    const u = new URL(url);
    u.pathname = `/${other.databaseName}`;
    return u.toString();
  },
  readOne: (_db, id) => ({
    query: 'SELECT id, label FROM items WHERE id = ?',
    params: [id],
    expected: [[id, id === 1 ? 'alpha' : 'beta']],
  }),
  insert: (_db, [id, label]) => ({ query: 'INSERT INTO items (id, label) VALUES (?, ?)', params: [id, label] }),
  whoAmI: { query: 'SELECT CURRENT_USER()', user: (db) => `${db.username}@%` },
};

async function redisConnect<T>(url: string, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 10_000,
    // A database's user may not run INFO, which the ready check asks.
    enableReadyCheck: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } finally {
    client.disconnect();
  }
}

/** Redis keeps a database's rows as hashes under its key prefix: `<prefix>item:<id>` → { label }. */
const REDIS: EngineCase = {
  engine: 'REDIS',
  table: 'hash',
  authenticates: () => true,
  write: (url, db, rows) =>
    redisConnect(url, async (client) => {
      for (const [id, label] of rows) await client.hset(`${db.keyPrefix}item:${id}`, 'label', label);
    }),
  read: (url, db) =>
    redisConnect(url, async (client) => {
      const rows: Row[] = [];
      for (let id = 1; id <= 9; id += 1) {
        const label = await client.hget(`${db.keyPrefix}item:${id}`, 'label');
        if (label !== null) rows.push([id, label]);
      }
      return rows;
    }),
  canRead: async (url, db) => {
    try {
      return await redisConnect(url, async (client) => {
        await client.hget(`${db.keyPrefix}item:1`, 'label');
        return true;
      });
    } catch {
      return false;
    }
  },
  // One server, one logical database: what keeps databases apart is each user's key prefix.
  retarget: (url) => url,
  readOne: (db, id) => ({
    query: 'HGET',
    params: [`${db.keyPrefix}item:${id}`, 'label'],
    expected: [[id === 1 ? 'alpha' : 'beta']],
  }),
  insert: (db, [id, label]) => ({ query: 'HSET', params: [`${db.keyPrefix}item:${id}`, 'label', label] }),
  // Read-only statements run as the database's read-only user, which may not run ACL WHOAMI:
  // CLIENT INFO names the connection's user too.
  whoAmI: {
    query: 'CLIENT INFO',
    user: (db, readOnly) => (readOnly ? `${db.username}_ro` : db.username),
    of: (answer) => /(?:^| )user=(\S+)/.exec(String(answer))?.[1],
  },
};

async function mongoConnect<T>(url: string, work: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000, connectTimeoutMS: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

/** MongoDB keeps the rows as documents of a collection: `{ _id: id, label }`. */
const MONGODB: EngineCase = {
  engine: 'MONGODB',
  table: 'items',
  // The embedded MongoDB-protocol server has no users: its connection strings carry no credentials.
  authenticates: (url) => new URL(url).password !== '',
  write: (url, db, rows) =>
    mongoConnect(url, async (client) => {
      await client
        .db(db.databaseName)
        .collection<{ _id: number; label: string }>('items')
        .insertMany(rows.map(([id, label]) => ({ _id: id, label })));
    }),
  read: (url, db) =>
    mongoConnect(url, async (client) => {
      const docs = await client
        .db(db.databaseName)
        .collection<{ _id: number; label: string }>('items')
        .find()
        .sort({ _id: 1 })
        .toArray();
      return docs.map((doc) => [doc._id, doc.label] as Row);
    }),
  canRead: async (url, db) => {
    try {
      return await mongoConnect(url, async (client) => {
        await client.db(db.databaseName).collection('items').findOne();
        return true;
      });
    } catch {
      return false;
    }
  },
  retarget: (url, other) => {
    const u = new URL(url);
    u.pathname = `/${other.databaseName}`;
    if (u.searchParams.has('authSource')) u.searchParams.set('authSource', other.databaseName);
    return u.toString();
  },
  readOne: (_db, id) => ({
    query: JSON.stringify({ find: 'items', filter: { _id: id } }),
    params: [],
    expected: [[id, id === 1 ? 'alpha' : 'beta']],
  }),
  insert: (_db, [id, label]) => ({
    query: JSON.stringify({ insert: 'items', documents: [{ _id: id, label }] }),
    params: [],
  }),
  crossQuery: (other) =>
    JSON.stringify({
      aggregate: 'items',
      pipeline: [{ $lookup: { from: { db: other.databaseName, coll: 'items' }, pipeline: [], as: 'theirs' } }],
      cursor: {},
    }),
};

/** The engines this run provisions on real servers. */
const ENGINES: EngineCase[] = [POSTGRESQL, MYSQL, REDIS, MONGODB];

// ---- Helpers ------------------------------------------------------------------------------------

/** A TCP port on loopback that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const PROVISION_TIMEOUT_MS = 60_000;

/**
 * Managed databases against real PostgreSQL, MariaDB, Redis and MongoDB-protocol servers:
 * provisioned by a job, reached with the engine's own client, queried through the console with
 * the database's own credentials, rotated, revealed (audited without the secret) and dropped.
 */
describe('managed databases', () => {
  const hosts = process.env.DATABASE_HOSTS ?? '';
  let api: TestApp;
  let on: Operations;
  let owner: TestUser;
  let project: Project;
  let records: Model<DatabaseRecord>;

  beforeAll(async () => {
    api = await startTestApp({ DATABASE_HOSTS: hosts });
    on = operations(api.url);
    records = api.app.get<Model<DatabaseRecord>>(getModelToken(DatabaseRecord.name));
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken);
  }, 60_000);

  afterAll(async () => {
    if (api) {
      // Whatever the tests left goes from the servers too.
      const service = api.app.get(DatabasesService);
      for (const left of await records.find().lean<DatabaseRecord[]>().exec()) {
        await service.delete(left._id.toHexString()).catch(() => undefined);
      }
      await waitFor(
        async () => (await records.countDocuments().exec()) === 0,
        PROVISION_TIMEOUT_MS,
        'every database deleted',
      ).catch(() => undefined);
    }
    await api?.close();
  }, PROVISION_TIMEOUT_MS * 2);

  const send = <T>(query: string, variables: Record<string, unknown>, token = owner.accessToken) =>
    gql<T>(api.url, query, variables, token);

  const create = (input: Record<string, unknown>, token = owner.accessToken) =>
    send<{ createDatabase: { database: Database; connectionString: string } }>(CREATE, { input }, token);

  const get = async (id: string): Promise<Database> => ok(await send<{ database: Database }>(GET, { id })).database;

  const execute = (input: Record<string, unknown>, token = owner.accessToken) =>
    send<{ executeQuery: QueryResult }>(EXECUTE, { input }, token);

  const listed = async (projectId = project.id): Promise<Database[]> =>
    ok(await send<{ databases: { edges: { node: Database }[] } }>(LIST, { projectId, first: 100 })).databases.edges.map(
      (e) => e.node,
    );

  async function until(id: string, status: Database['status'], appUrl = api.url): Promise<Database> {
    return waitFor(
      async () => {
        const res = await gql<{ database: Database }>(appUrl, GET, { id }, owner.accessToken);
        const database = ok(res).database;
        return database.status === status ? database : undefined;
      },
      PROVISION_TIMEOUT_MS,
      `database ${id} ${status}`,
    );
  }

  async function provisioned(engine: DatabaseEngineName, name: string) {
    const created = ok(await create({ projectId: project.id, engine, name })).createDatabase;
    const database = await until(created.database.id, 'AVAILABLE');
    return { database, connectionString: created.connectionString };
  }

  const serverHas = (engine: DatabaseEngineName, database: Pick<Database, 'databaseName' | 'username'>) =>
    api.app.get(DatabaseEnginesService).driver(engine).exists(database);

  const storedCount = (filter: Record<string, unknown> = {}) =>
    records.countDocuments({ projectId: project.id, ...filter }).exec();

  /**
   * Asserts that the database's stored record holds `password` only encrypted: in no field as it
   * is, and in `passwordEncrypted` sealed so that the key ring opens it to `password`.
   */
  async function encryptedAtRest(id: string, password: string): Promise<void> {
    const raw = await records.collection.findOne({ _id: records.castObject({ _id: id })._id });
    expect(raw).not.toBeNull();
    expect(JSON.stringify(raw)).not.toContain(password);
    expect(raw!.passwordEncrypted).toEqual(expect.any(String));
    expect(raw!.passwordEncrypted).not.toBe(password);
    expect(raw!.pendingPasswordEncrypted).toBeNull();
    expect(api.app.get(EncryptionService).decrypt(raw!.passwordEncrypted as string, 'databases.password')).toBe(
      password,
    );
  }

  async function auditEntries(operation: string): Promise<Record<string, unknown>[]> {
    const logs = ok(
      await on.audit.logs(owner.accessToken, { projectId: project.id, operation: `mutation.${operation}`, first: 100 }),
    ).auditLogs.edges;
    return logs.map((e) => e.node as unknown as Record<string, unknown>);
  }

  async function auditOf(operation: string): Promise<Record<string, unknown>[]> {
    return waitFor(
      async () => {
        const logs = ok(
          await on.audit.logs(owner.accessToken, {
            projectId: project.id,
            operation: `mutation.${operation}`,
            first: 100,
          }),
        ).auditLogs.edges;
        return logs.length > 0 ? logs.map((e) => e.node as unknown as Record<string, unknown>) : undefined;
      },
      20_000,
      `audit entries of ${operation}`,
    );
  }

  describe.each(ENGINES.map((c) => [c.engine, c] as const))('%s', (engine, sut) => {
    const rows: Row[] = [
      [1, 'alpha'],
      [2, 'beta'],
    ];
    let database: Database;
    let connectionString: string;
    let other: { database: Database; connectionString: string };

    beforeAll(async () => {
      ({ database, connectionString } = await provisioned(engine, `${engine.toLowerCase()}-main`));
      other = await provisioned(engine, `${engine.toLowerCase()}-other`);
    }, PROVISION_TIMEOUT_MS * 2);

    it('provisions a database with its own user, reached with the connection string', async () => {
      expect(database).toMatchObject({
        projectId: project.id,
        name: `${engine.toLowerCase()}-main`,
        engine,
        status: 'AVAILABLE',
        databaseName: `db_${database.id}`,
        username: `u_${database.id}`,
        keyPrefix: engine === 'REDIS' ? `db_${database.id}:` : null,
        failureReason: null,
        credentialsRotatedAt: null,
      });
      const host = parseDatabaseHosts(hosts)[engine]!;
      expect(database.host).toBe(host.host);
      expect(database.port).toBe(host.port);
      expect(JSON.stringify(database)).not.toMatch(/password/i);

      await sut.write(connectionString, database, rows);

      expect(await sut.read(connectionString, database)).toEqual(rows);
      // (A Redis database exists on its server once it has keys; a server without users has none to find.)
      expect(await serverHas(engine, database)).toEqual({ database: true, user: sut.authenticates(connectionString) });
    });

    it('stores the password encrypted, never as it is', async () => {
      const revealed = ok(
        await send<{ revealDatabaseCredentials: Credentials }>(REVEAL, { input: { id: database.id } }),
      ).revealDatabaseCredentials;
      // The password createDatabase answered with (in its connection string, where the server has users).
      if (sut.authenticates(connectionString)) {
        expect(decodeURIComponent(new URL(connectionString).password)).toBe(revealed.password);
      }

      await encryptedAtRest(database.id, revealed.password);
    });

    it("keeps databases apart: one database's credentials cannot read another", async () => {
      await sut.write(other.connectionString, other.database, [[9, 'theirs']]);

      if (sut.authenticates(connectionString)) {
        expect(await sut.canRead(sut.retarget(connectionString, other.database), other.database)).toBe(false);
        expect(await sut.canRead(sut.retarget(other.connectionString, database), database)).toBe(false);
      }
      if (sut.crossQuery) {
        const res = await execute({ databaseId: database.id, query: sut.crossQuery(other.database), readOnly: false });
        expect(codeOf(res)).toBe('BAD_USER_INPUT');
        expect(JSON.stringify(res)).not.toContain('theirs');
      }
      expect(await sut.read(other.connectionString, other.database)).toEqual([[9, 'theirs']]);
    });

    it('answers a console statement with the database own credentials', async () => {
      const { query, params, expected } = sut.readOne(database, 2);

      const result = ok(await execute({ databaseId: database.id, query, params })).executeQuery;

      expect(result.rows).toEqual(expected);
      expect(result).toMatchObject({ rowCount: 1, truncated: false });
      expect(result.columns.length).toBeGreaterThan(0);
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
    });

    it('refuses a write in read-only mode (the default), and changes nothing', async () => {
      const { query, params } = sut.insert(database, [3, 'gamma']);

      const res = await execute({ databaseId: database.id, query, params });

      expect(codeOf(res)).toBe('FORBIDDEN');
      expect(reasonOf(res)).toBe('READ_ONLY_VIOLATION');
      expect(await sut.read(connectionString, database)).toEqual(rows);
    });

    it('writes with readOnly false', async () => {
      const { query, params } = sut.insert(database, [3, 'gamma']);

      const result = ok(await execute({ databaseId: database.id, query, params, readOnly: false })).executeQuery;

      expect(result.rowCount).toBe(1);
      expect(await sut.read(connectionString, database)).toEqual([...rows, [3, 'gamma']]);
    });

    const whoAmI = sut.whoAmI;
    if (whoAmI) {
      it("runs console statements as the database's own user, never the admin", async () => {
        const admin = decodeURIComponent(new URL(parseDatabaseHosts(hosts)[engine]!.adminUrl).username);

        for (const readOnly of [true, false]) {
          const answer = ok(await execute({ databaseId: database.id, query: whoAmI.query, readOnly })).executeQuery;

          expect(answer.rows).toHaveLength(1);
          expect(answer.rows[0]).toHaveLength(1);
          const user = whoAmI.of ? whoAmI.of(answer.rows[0]![0]) : answer.rows[0]![0];
          expect(user).toBe(whoAmI.user(database, readOnly));
          expect(String(user).split('@')[0]).not.toBe(admin);
        }
      });
    }

    it('lists the tables and describes one', async () => {
      const tables = ok(
        await send<{ listTables: { name: string; kind: string }[] }>(TABLES, { databaseId: database.id }),
      ).listTables;
      expect(tables.map((t) => t.name)).toContain(sut.table);

      const table = ok(
        await send<{ tableInfo: { name: string; columns: { name: string }[] } }>(TABLE, {
          databaseId: database.id,
          table: sut.table,
        }),
      ).tableInfo;
      expect(table.name).toBe(sut.table);

      const missing = await send(TABLE, { databaseId: database.id, table: 'no_such_table' });
      expect(codeOf(missing)).toBe('NOT_FOUND');
      expect(reasonOf(missing)).toBe('TABLE_NOT_FOUND');
    });

    it('rotates the credentials: the old connection string stops working, the new one works', async () => {
      const rotated = ok(
        await send<{ rotateDatabaseCredentials: Credentials }>(ROTATE, { input: { id: database.id } }),
      ).rotateDatabaseCredentials;

      expect(rotated.username).toBe(database.username);
      await encryptedAtRest(database.id, rotated.password);
      expect(await sut.read(rotated.connectionString, database)).toEqual([...rows, [3, 'gamma']]);
      if (sut.authenticates(connectionString)) {
        expect(rotated.connectionString).not.toBe(connectionString);
        expect(await sut.canRead(connectionString, database)).toBe(false);
      }
      expect((await get(database.id)).credentialsRotatedAt).not.toBeNull();
      // The console goes on with the new password.
      const { query, params } = sut.readOne(database, 1);
      expect(ok(await execute({ databaseId: database.id, query, params })).executeQuery.rowCount).toBe(1);
      connectionString = rotated.connectionString;
    });

    it('reveals the credentials, and the audit log records who asked but not the secret', async () => {
      const revealed = ok(
        await send<{ revealDatabaseCredentials: Credentials }>(REVEAL, { input: { id: database.id } }),
      ).revealDatabaseCredentials;

      expect(revealed.connectionString).toBe(connectionString);
      expect(revealed.password.length).toBeGreaterThanOrEqual(16);
      if (sut.authenticates(connectionString)) expect(connectionString).toContain(revealed.password);
      const entries = await auditOf('revealDatabaseCredentials');
      const entry = entries.find((e) => JSON.stringify(e.arguments).includes(database.id));
      expect(entry).toMatchObject({ actorId: owner.id, outcome: 'GRANTED' });
      expect(JSON.stringify(entries)).not.toContain(revealed.password);
    });

    it("keeps a console statement's params out of the audit log, and its text in it", async () => {
      const marker = `secret-${database.id}`;
      const { query } = sut.readOne(database, 1);
      const before = (await auditEntries('executeQuery')).length;
      // Whether the engine takes a string there does not matter: the attempt is audited either way.
      await execute({ databaseId: database.id, query, params: [marker] });

      const entries = await waitFor(
        async () => {
          const all = await auditOf('executeQuery');
          return all.length > before ? all : undefined;
        },
        20_000,
        'the executeQuery audit entry',
      );
      const newest = entries[0] as { arguments: { input: { query: string; params: unknown } } };
      expect(newest.arguments.input.query).toBe(query);
      expect(newest.arguments.input.params).not.toEqual([marker]);
      expect(JSON.stringify(entries)).not.toContain(marker);
    });

    it('deletes the database: gone from the server, its user too, and from the list', async () => {
      const doomed = await provisioned(engine, `${engine.toLowerCase()}-doomed`);
      await sut.write(doomed.connectionString, doomed.database, [[5, 'doomed']]);
      expect((await serverHas(engine, doomed.database)).database).toBe(true);

      const deleting = ok(
        await send<{ deleteDatabase: Database }>(DELETE, { input: { id: doomed.database.id } }),
      ).deleteDatabase;

      expect(deleting.status).toBe('DELETING');
      await waitFor(
        async () => !(await listed()).some((d) => d.id === doomed.database.id),
        PROVISION_TIMEOUT_MS,
        'the deleted database to leave the list',
      );
      expect(await serverHas(engine, doomed.database)).toEqual({ database: false, user: false });
      const gone = await send(GET, { id: doomed.database.id });
      // The access guard looks the database up first, and answers for a missing one.
      expect(codeOf(gone)).toBe('NOT_FOUND');
      expect(reasonOf(gone)).toBe('NOT_FOUND');
      if (sut.authenticates(doomed.connectionString)) {
        expect(await sut.canRead(doomed.connectionString, doomed.database)).toBe(false);
      } else {
        expect(await sut.read(doomed.connectionString, doomed.database)).toEqual([]);
      }
    });
  });

  describe('bad input', () => {
    const engine: DatabaseEngineName = 'POSTGRESQL';

    it('refuses an unknown engine in the schema itself, storing nothing', async () => {
      const before = await storedCount();

      const res = await create({ projectId: project.id, engine: 'ORACLE', name: 'legacy' });

      expect(res.data ?? null).toBeNull();
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0]!.message).toContain('DatabaseEngine');
      expect(await storedCount()).toBe(before);
    });

    it.each([
      ['empty', ''],
      ['too long', 'x'.repeat(64)],
      ['upper-case', 'Orders'],
      ['a leading digit', '1orders'],
      ['a path', '../x'],
      ['a trailing hyphen', 'orders-'],
    ])('refuses a name that is %s with INVALID_DATABASE_NAME, storing nothing', async (_what, name) => {
      const before = await storedCount();

      const res = await create({ projectId: project.id, engine, name });

      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(reasonOf(res)).toBe('INVALID_DATABASE_NAME');
      expect(await storedCount()).toBe(before);
    });

    it('refuses a name the project already has, also when asked for at once', async () => {
      const first = await provisioned(engine, 'shared-name');
      const before = await storedCount();

      const again = await create({ projectId: project.id, engine, name: 'shared-name' });

      expect(codeOf(again)).toBe('CONFLICT');
      expect(reasonOf(again)).toBe('DATABASE_NAME_TAKEN');
      expect(await storedCount()).toBe(before);

      const racing = await Promise.all(
        Array.from({ length: 5 }, () => create({ projectId: project.id, engine, name: 'raced-name' })),
      );
      const won = racing.filter((res) => !res.errors);
      expect(won).toHaveLength(1);
      expect(racing.filter((res) => reasonOf(res) === 'DATABASE_NAME_TAKEN')).toHaveLength(4);
      expect(await storedCount({ name: 'raced-name' })).toBe(1);

      // Renaming follows the same rules.
      const raced = won[0]!.data!.createDatabase.database;
      const taken = await send(UPDATE, { input: { id: raced.id, name: 'shared-name' } });
      expect(reasonOf(taken)).toBe('DATABASE_NAME_TAKEN');
      const invalid = await send(UPDATE, { input: { id: raced.id, name: 'Bad Name' } });
      expect(reasonOf(invalid)).toBe('INVALID_DATABASE_NAME');
      const renamed = ok(
        await send<{ updateDatabase: Database }>(UPDATE, { input: { id: raced.id, name: 'renamed' } }),
      ).updateDatabase;
      expect(renamed).toMatchObject({ name: 'renamed', databaseName: `db_${raced.id}` });

      for (const id of [first.database.id, raced.id]) ok(await send(DELETE, { input: { id } }));
    });

    it('refuses a statement longer than DATABASE_QUERY_MAX_LENGTH before running anything', async () => {
      const { database } = await provisioned(engine, 'long-queries');
      const max = api.config.DATABASE_QUERY_MAX_LENGTH;

      const res = await execute({ databaseId: database.id, query: `SELECT 1${' '.repeat(max)}`, readOnly: false });

      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(reasonOf(res)).toBe('QUERY_TOO_LONG');
      const empty = await execute({ databaseId: database.id, query: '  ' });
      expect(reasonOf(empty)).toBe('INVALID_QUERY');
      const nested = await execute({ databaseId: database.id, query: 'SELECT $1', params: [{ a: 1 }] });
      expect(reasonOf(nested)).toBe('INVALID_QUERY');
      const many = await execute({ databaseId: database.id, query: 'SELECT 1', params: Array(101).fill(1) });
      expect(codeOf(many)).toBe('BAD_USER_INPUT');
      const syntax = await execute({ databaseId: database.id, query: 'SELEC nothing' });
      expect(codeOf(syntax)).toBe('BAD_USER_INPUT');
      ok(await send(DELETE, { input: { id: database.id } }));
    });

    it('takes a 16,000-character statement of multi-byte text, and refuses 16,001 as QUERY_TOO_LONG', async () => {
      const { database } = await provisioned(engine, 'multi-byte-queries');
      expect(api.config.DATABASE_QUERY_MAX_LENGTH).toBe(16_000);
      const statement = (length: number) => {
        const head = "SELECT length('";
        const tail = "') AS n";
        return `${head}${'€'.repeat(length - head.length - tail.length)}${tail}`;
      };

      const longest = ok(await execute({ databaseId: database.id, query: statement(16_000) })).executeQuery;
      const tooLong = await execute({ databaseId: database.id, query: statement(16_001) });

      expect(longest.rows).toEqual([[16_000 - "SELECT length('') AS n".length]]);
      expect(codeOf(tooLong)).toBe('BAD_USER_INPUT');
      expect(reasonOf(tooLong)).toBe('QUERY_TOO_LONG');
      ok(await send(DELETE, { input: { id: database.id } }));
    });

    it('refuses the console on a database still PROVISIONING', async () => {
      const service = api.app.get(DatabasesService);
      const { database: stuck } = await service.create(
        owner.id,
        { projectId: project.id, engine, name: 'stuck' },
        {
          queue: false,
        },
      );
      const id = stuck._id.toHexString();

      const res = await execute({ databaseId: id, query: 'SELECT 1' });

      expect(codeOf(res)).toBe('CONFLICT');
      expect(reasonOf(res)).toBe('DATABASE_NOT_AVAILABLE');
      expect(reasonOf(await send(REVEAL, { input: { id } }))).toBe('DATABASE_NOT_AVAILABLE');
      expect(reasonOf(await send(TABLES, { databaseId: id }))).toBe('DATABASE_NOT_AVAILABLE');
      // A database never provisioned deletes as well.
      ok(await send(DELETE, { input: { id } }));
      await waitFor(async () => (await storedCount({ _id: stuck._id })) === 0, PROVISION_TIMEOUT_MS, 'stuck gone');
    });
  });

  describe('limits and failing servers', () => {
    it('cancels a statement past DATABASE_QUERY_TIMEOUT_MS, on the server', async () => {
      const slow = await startTestApp({ DATABASE_HOSTS: hosts, DATABASE_QUERY_TIMEOUT_MS: '500' }, { label: 'slow' });
      try {
        const user = await registerUser(slow.url);
        const where = await createProject(slow.url, user.accessToken);
        const created = ok(
          await gql<{ createDatabase: { database: Database } }>(
            slow.url,
            CREATE,
            { input: { projectId: where.id, engine: 'POSTGRESQL', name: 'slow' } },
            user.accessToken,
          ),
        ).createDatabase.database;
        await waitFor(
          async () => {
            const res = await gql<{ database: Database }>(slow.url, GET, { id: created.id }, user.accessToken);
            return ok(res).database.status === 'AVAILABLE';
          },
          PROVISION_TIMEOUT_MS,
          'the slow database',
        );

        const res = await gql(
          slow.url,
          EXECUTE,
          { input: { databaseId: created.id, query: 'SELECT pg_sleep(30)' } },
          user.accessToken,
        );

        expect(codeOf(res)).toBe('BAD_USER_INPUT');
        expect(reasonOf(res)).toBe('QUERY_TIMEOUT');
        ok(await gql(slow.url, DELETE, { input: { id: created.id } }, user.accessToken));
        await waitFor(
          async () =>
            (await slow.app.get(DatabaseEnginesService).driver('POSTGRESQL').exists(created)).database === false,
          PROVISION_TIMEOUT_MS,
          'the slow database dropped',
        );
      } finally {
        await slow.close();
      }
    }, 120_000);

    it('ends FAILED with a reason holding no credential when the server is down, and refuses engines without a host', async () => {
      const port = await closedPort();
      const adminPassword = 'admin-pass-that-must-not-leak';
      const adminUrl = `postgres://platform_admin:${adminPassword}@127.0.0.1:${port}/postgres`;
      const down = await startTestApp(
        { DATABASE_HOSTS: JSON.stringify({ POSTGRESQL: { adminUrl } }) },
        { label: 'down' },
      );
      try {
        const user = await registerUser(down.url);
        const where = await createProject(down.url, user.accessToken);
        const stored = down.app.get<Model<DatabaseRecord>>(getModelToken(DatabaseRecord.name));
        const sendDown = <T>(query: string, variables: Record<string, unknown>): Promise<GraphQLResponse<T>> =>
          gql<T>(down.url, query, variables, user.accessToken);

        const unavailable = await sendDown(CREATE, { input: { projectId: where.id, engine: 'MYSQL', name: 'mysql' } });
        expect(codeOf(unavailable)).toBe('BAD_USER_INPUT');
        expect(reasonOf(unavailable)).toBe('ENGINE_UNAVAILABLE');
        expect(await stored.countDocuments().exec()).toBe(0);

        const created = ok(
          await sendDown<{ createDatabase: { database: Database; connectionString: string } }>(CREATE, {
            input: { projectId: where.id, engine: 'POSTGRESQL', name: 'unlucky' },
          }),
        ).createDatabase;
        expect(created.connectionString).not.toContain(adminPassword);
        const failed = await waitFor(
          async () => {
            const res = await sendDown<{ database: Database }>(GET, { id: created.database.id });
            return ok(res).database.status === 'FAILED' ? ok(res).database : undefined;
          },
          PROVISION_TIMEOUT_MS,
          'the database FAILED',
        );

        expect(failed.failureReason).toMatch(/could not be reached/);
        expect(failed.failureReason).not.toContain(adminPassword);
        expect(failed.failureReason).not.toContain(String(port));
        expect(failed.failureReason).not.toContain(new URL(created.connectionString).password);
        const query = await sendDown(EXECUTE, { input: { databaseId: failed.id, query: 'SELECT 1' } });
        expect(reasonOf(query)).toBe('DATABASE_NOT_AVAILABLE');
        // Its clean-up could not reach the server either: deleting it must drop it there, so while
        // the server is down it stays DELETING with the reason, rather than being forgotten.
        expect(
          ok(await sendDown<{ deleteDatabase: Database }>(DELETE, { input: { id: failed.id } })).deleteDatabase.status,
        ).toBe('DELETING');
        const waiting = await waitFor(
          async () => {
            const database = ok(await sendDown<{ database: Database }>(GET, { id: failed.id })).database;
            return database.failureReason?.startsWith('Deleting it failed') ? database : undefined;
          },
          PROVISION_TIMEOUT_MS,
          'the deletion waiting for the server',
        );
        expect(waiting.status).toBe('DELETING');
        expect(waiting.failureReason).not.toContain(adminPassword);
        expect(await stored.countDocuments().exec()).toBe(1);
      } finally {
        await down.close();
      }
    }, 120_000);

    it('refuses a second rotation while a first one waits on the server, so the server keeps the stored password', async () => {
      const { database } = await provisioned('POSTGRESQL', 'slow-rotation');
      const driver = api.app.get(DatabaseEnginesService).driver('POSTGRESQL');
      const setPassword = driver.setPassword.bind(driver);
      let release = (): void => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      let calls = 0;
      let first: Promise<GraphQLResponse<{ rotateDatabaseCredentials: Credentials }>>;
      try {
        driver.setPassword = async (target) => {
          calls += 1;
          if (calls === 1) await held;
          await setPassword(target);
        };
        first = send<{ rotateDatabaseCredentials: Credentials }>(ROTATE, { input: { id: database.id } });
        await waitFor(async () => calls === 1, 20_000, 'the first rotation on the server');

        const second = await send(ROTATE, { input: { id: database.id } });

        expect(codeOf(second)).toBe('CONFLICT');
        expect(reasonOf(second)).toBe('OPERATION_IN_PROGRESS');
      } finally {
        release();
        driver.setPassword = setPassword;
      }
      const rotated = ok(await first).rotateDatabaseCredentials;
      expect(await POSTGRESQL.canReadServer(rotated.connectionString)).toBe(true);
      const stored = ok(
        await send<{ revealDatabaseCredentials: Credentials }>(REVEAL, { input: { id: database.id } }),
      ).revealDatabaseCredentials;
      expect(stored.connectionString).toBe(rotated.connectionString);
      ok(await send(DELETE, { input: { id: database.id } }));
    }, 120_000);

    it('keeps a working password stored when a rotation fails half-way, and finishes it on next use', async () => {
      const { database, connectionString: before } = await provisioned('POSTGRESQL', 'rotation-faults');
      const driver = api.app.get(DatabaseEnginesService).driver('POSTGRESQL');
      const setPassword = driver.setPassword.bind(driver);
      const adminUrl = parseDatabaseHosts(hosts).POSTGRESQL!.adminUrl;
      try {
        // The server is never reached: the old password stays the working one.
        driver.setPassword = () => Promise.reject(new Error(`connection to ${adminUrl} reset`));
        const unreached = await send(ROTATE, { input: { id: database.id } });
        expect(codeOf(unreached)).toBe('SERVICE_UNAVAILABLE');
        expect(reasonOf(unreached)).toBe('HOST_UNAVAILABLE');
        expect(JSON.stringify(unreached)).not.toContain(adminUrl);
        expect(JSON.stringify(unreached)).not.toContain(new URL(adminUrl).password || adminUrl);
        expect(await POSTGRESQL.canReadServer(before)).toBe(true);

        // The server takes the new password, then the platform stops before storing it as current.
        driver.setPassword = async (target) => {
          await setPassword(target);
          throw new Error('the worker stopped');
        };
        expect(reasonOf(await send(ROTATE, { input: { id: database.id } }))).toBe('HOST_UNAVAILABLE');
        expect(await POSTGRESQL.canReadServer(before)).toBe(false);
      } finally {
        driver.setPassword = setPassword;
      }

      // The next use gives the server the pending password and makes it the stored one.
      const answer = ok(await execute({ databaseId: database.id, query: 'SELECT 1 AS one' })).executeQuery;
      expect(answer.rows).toEqual([[1]]);
      const revealed = ok(
        await send<{ revealDatabaseCredentials: Credentials }>(REVEAL, { input: { id: database.id } }),
      ).revealDatabaseCredentials;
      expect(revealed.connectionString).not.toBe(before);
      expect(await POSTGRESQL.canReadServer(revealed.connectionString)).toBe(true);
      expect(await POSTGRESQL.canReadServer(before)).toBe(false);
      expect((await get(database.id)).credentialsRotatedAt).not.toBeNull();
      ok(await send(DELETE, { input: { id: database.id } }));
    }, 120_000);
  });

  describe('provisioning runs, clean-ups and deletions racing', () => {
    const service = () => api.app.get(DatabasesService);
    const driverOf = (engine: DatabaseEngineName) => api.app.get(DatabaseEnginesService).driver(engine);
    const gone = (id: string) =>
      waitFor(async () => (await records.countDocuments({ _id: id }).exec()) === 0, PROVISION_TIMEOUT_MS, `${id} gone`);

    it.each(['MYSQL', 'POSTGRESQL'] as const)(
      'provisions a %s database once when two runs of its job overlap',
      async (engine) => {
        const { database } = await service().create(
          owner.id,
          { projectId: project.id, engine, name: `twice-${engine.toLowerCase()}` },
          { queue: false },
        );
        const id = database._id.toHexString();

        await Promise.allSettled([service().provision(id), service().provision(id)]);

        expect((await records.findById(id).lean<DatabaseRecord>().exec())?.status).toBe('AVAILABLE');
        expect(await serverHas(engine, database)).toEqual({ database: true, user: true });
        ok(await send(DELETE, { input: { id } }));
        await gone(id);
      },
      120_000,
    );

    /** The host's own admin session, to make on the server what users of it could. */
    const onHost: Record<
      'POSTGRESQL' | 'MYSQL',
      {
        occupy(name: string): Promise<void>;
        release(name: string): Promise<void>;
        stillOccupied(name: string): Promise<boolean>;
      }
    > = {
      POSTGRESQL: {
        // Owned by the admin, not by the database's user.
        occupy: (name) =>
          pgConnect(
            parseDatabaseHosts(hosts).POSTGRESQL!.adminUrl,
            async (client) => void (await client.query(`CREATE DATABASE "${name}"`)),
          ),
        release: (name) =>
          pgConnect(
            parseDatabaseHosts(hosts).POSTGRESQL!.adminUrl,
            async (client) => void (await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
          ),
        stillOccupied: (name) =>
          pgConnect(
            parseDatabaseHosts(hosts).POSTGRESQL!.adminUrl,
            async (client) =>
              (
                await client.query(
                  'SELECT 1 FROM pg_database WHERE datname = $1 AND datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user)',
                  [name],
                )
              ).rowCount === 1,
          ),
      },
      MYSQL: {
        // Holding someone else's table.
        occupy: (name) =>
          mysqlConnect(parseDatabaseHosts(hosts).MYSQL!.adminUrl, async (connection) => {
            await connection.query(`CREATE DATABASE \`${name}\``);
            await connection.query(`CREATE TABLE \`${name}\`.precious (id INT)`);
          }),
        release: (name) =>
          mysqlConnect(
            parseDatabaseHosts(hosts).MYSQL!.adminUrl,
            async (connection) => void (await connection.query(`DROP DATABASE IF EXISTS \`${name}\``)),
          ),
        stillOccupied: (name) =>
          mysqlConnect(parseDatabaseHosts(hosts).MYSQL!.adminUrl, async (connection) => {
            const [tables] = await connection.query<RowDataPacket[]>(
              'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
              [name, 'precious'],
            );
            return tables.length === 1;
          }),
      },
    };

    it.each(['POSTGRESQL', 'MYSQL'] as const)(
      'ends %s provisioning that fails half-way on the server FAILED, with its user dropped and nothing pending',
      async (engine) => {
        const queue = api.app.get<Queue>(getQueueToken(DATABASES_QUEUE));
        // The job waits while the server is made to refuse it: another's database holds the name.
        let created: Database;
        try {
          await queue.pause(true);
          created = ok(await create({ projectId: project.id, engine, name: `half-way-${engine.toLowerCase()}` }))
            .createDatabase.database;
          await onHost[engine].occupy(created.databaseName);
        } finally {
          await queue.resume(true);
        }
        try {
          const failed = await until(created.id, 'FAILED');

          // The user was made, then the database could not be: the user is gone, the other's database left alone.
          expect(failed.failureReason).toBe(
            `The ${engine} server could not be reached or refused the platform's request; try again later`,
          );
          expect(await serverHas(engine, created)).toEqual({ database: true, user: false });
          expect(await onHost[engine].stillOccupied(created.databaseName)).toBe(true);
          const stored = await records.findById(created.id).lean<DatabaseRecord>().exec();
          expect(stored).toMatchObject({
            status: 'FAILED',
            cleanupPending: false,
            leaseOwner: null,
            leaseExpiresAt: null,
          });
          await waitForQueueIdle(queue);
          expect(reasonOf(await execute({ databaseId: created.id, query: 'SELECT 1' }))).toBe('DATABASE_NOT_AVAILABLE');

          // Nothing of its own is on the server: deleting it forgets it, and leaves the other's database.
          ok(await send(DELETE, { input: { id: created.id } }));
          await gone(created.id);
          expect(await onHost[engine].stillOccupied(created.databaseName)).toBe(true);
        } finally {
          await onHost[engine].release(created.databaseName);
        }
      },
      120_000,
    );

    it('drops a half-made database whose clean-up failed when it is deleted, and keeps it DELETING until then', async () => {
      const driver = driverOf('POSTGRESQL');
      const provision = driver.provision.bind(driver);
      const drop = driver.drop.bind(driver);
      const { database } = await service().create(
        owner.id,
        { projectId: project.id, engine: 'POSTGRESQL', name: 'half-made' },
        { queue: false },
      );
      const id = database._id.toHexString();
      try {
        // The host goes away after making the database: neither the provisioning nor its clean-up ends.
        driver.provision = async (target) => {
          await provision(target);
          throw new Error('the host went away');
        };
        driver.drop = () => Promise.reject(new Error('the host is down'));
        expect((await service().provision(id)).status).toBe('FAILED');
        expect(await serverHas('POSTGRESQL', database)).toEqual({ database: true, user: true });

        ok(await send(DELETE, { input: { id } }));

        const stuck = await waitFor(
          async () => {
            const current = await get(id);
            return current.failureReason?.startsWith('Deleting it failed') ? current : undefined;
          },
          PROVISION_TIMEOUT_MS,
          'the failed deletion',
        );
        expect(stuck.status).toBe('DELETING');
        expect(await serverHas('POSTGRESQL', database)).toEqual({ database: true, user: true });
      } finally {
        driver.provision = provision;
        driver.drop = drop;
      }

      ok(await send(DELETE, { input: { id } }));
      await gone(id);
      expect(await serverHas('POSTGRESQL', database)).toEqual({ database: false, user: false });
    }, 120_000);

    it('frees the name of a database being deleted at once, and keeps showing it', async () => {
      const { database } = await provisioned('POSTGRESQL', 'reused-name');
      const driver = driverOf('POSTGRESQL');
      const drop = driver.drop.bind(driver);
      let release = (): void => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      let again: Database;
      try {
        driver.drop = async (target) => {
          await held;
          await drop(target);
        };
        ok(await send(DELETE, { input: { id: database.id } }));

        again = ok(await create({ projectId: project.id, engine: 'POSTGRESQL', name: 'reused-name' })).createDatabase
          .database;

        const deleting = await get(database.id);
        expect(deleting).toMatchObject({ status: 'DELETING', name: 'reused-name' });
        expect(again.id).not.toBe(database.id);
      } finally {
        release();
        driver.drop = drop;
      }
      await gone(database.id);
      expect((await until(again.id, 'AVAILABLE')).name).toBe('reused-name');
      ok(await send(DELETE, { input: { id: again.id } }));
      await gone(again.id);
    }, 120_000);

    it('drops the Redis user a rotation made again while the database was being deleted', async () => {
      const { database } = await provisioned('REDIS', 'rotated-while-deleted');
      const driver = driverOf('REDIS');
      const setPassword = driver.setPassword.bind(driver);
      try {
        driver.setPassword = async (target) => {
          await service().delete(database.id);
          await gone(database.id);
          await setPassword(target);
        };

        const res = await send(ROTATE, { input: { id: database.id } });

        expect(res.errors?.length).toBeGreaterThan(0);
      } finally {
        driver.setPassword = setPassword;
      }
      expect((await serverHas('REDIS', database)).user).toBe(false);
    }, 120_000);
  });

  describe('the sweeper', () => {
    const service = () => api.app.get(DatabasesService);
    const gone = (id: string) =>
      waitFor(async () => (await records.countDocuments({ _id: id }).exec()) === 0, PROVISION_TIMEOUT_MS, `${id} gone`);

    it('is a repeatable job every DATABASE_SWEEP_INTERVAL_MS', async () => {
      const queue = api.app.get<Queue>(getQueueToken(DATABASES_QUEUE));
      const repeatable = await queue.getRepeatableJobs();
      expect(repeatable.filter((job) => job.name === DatabaseJob.SWEEP).map((job) => Number(job.every))).toEqual([
        60_000,
      ]);
    });

    it('provisions a database whose job was never queued, once it is a few minutes old', async () => {
      const { database } = await service().create(
        owner.id,
        { projectId: project.id, engine: 'POSTGRESQL', name: 'never-queued' },
        { queue: false },
      );
      const id = database._id.toHexString();
      await service().sweep();
      // Too young to be stuck: its job may still be on its way.
      expect((await records.findById(id).lean<DatabaseRecord>().exec())?.sweepAttempts).toBe(0);
      expect((await get(id)).status).toBe('PROVISIONING');
      await records.collection.updateOne(
        { _id: database._id },
        { $set: { createdAt: new Date(Date.now() - STUCK_PROVISIONING_MS - 1_000) } },
      );

      await service().sweep();

      await until(id, 'AVAILABLE');
      expect(await serverHas('POSTGRESQL', database)).toEqual({ database: true, user: true });
      // Queued once: it waits its back-off before another.
      await service().sweep();
      expect((await records.findById(id).lean<DatabaseRecord>().exec())?.sweepAttempts).toBe(1);
      ok(await send(DELETE, { input: { id } }));
      await gone(id);
    }, 120_000);

    it('deletes a DELETING database whose job was lost, dropping it from the server', async () => {
      const { database } = await provisioned('POSTGRESQL', 'lost-deletion');
      await records.collection.updateOne(
        { _id: records.castObject({ _id: database.id })._id },
        { $set: { status: 'DELETING', statusBeforeDeletion: 'AVAILABLE' } },
      );

      await service().sweep();

      await gone(database.id);
      expect(await serverHas('POSTGRESQL', database)).toEqual({ database: false, user: false });
    }, 120_000);

    it('deletes the databases of a project that no longer exists', async () => {
      const missingProject = newObjectId().toHexString();
      const { database } = await service().create(
        owner.id,
        { projectId: missingProject, engine: 'POSTGRESQL', name: 'orphan' },
        { queue: false },
      );
      const id = database._id.toHexString();
      expect((await service().provision(id)).status).toBe('AVAILABLE');

      await service().sweep();

      await gone(id);
      expect(await serverHas('POSTGRESQL', database)).toEqual({ database: false, user: false });
    }, 120_000);
  });

  describe('other projects and more input paths', () => {
    let target: Database;
    let outsider: TestUser;
    let theirs: Project;

    beforeAll(async () => {
      target = (await provisioned('POSTGRESQL', 'guarded')).database;
      outsider = await registerUser(api.url);
      theirs = await createProject(api.url, outsider.accessToken);
    }, PROVISION_TIMEOUT_MS);

    /** Every operation on `target`, as `token` would send it. */
    const everyOperation = (token: string) => [
      send(GET, { id: target.id }, token),
      send(LIST, { projectId: project.id, first: 10 }, token),
      execute({ databaseId: target.id, query: 'SELECT 1' }, token),
      send(REVEAL, { input: { id: target.id } }, token),
      send(ROTATE, { input: { id: target.id } }, token),
      send(UPDATE, { input: { id: target.id, name: 'taken-over' } }, token),
      send(DELETE, { input: { id: target.id } }, token),
      send(TABLES, { databaseId: target.id }, token),
      send(TABLE, { databaseId: target.id, table: 'anything' }, token),
    ];

    async function untouched(): Promise<void> {
      const now = await get(target.id);
      expect(now).toMatchObject({ status: 'AVAILABLE', name: 'guarded', credentialsRotatedAt: null });
    }

    it("refuses a member of another project every operation on this project's database", async () => {
      expect(
        ok(
          await send<{ project: { id: string } }>(
            `query ($id: ID!) { project(id: $id) { id } }`,
            { id: theirs.id },
            outsider.accessToken,
          ),
        ).project.id,
      ).toBe(theirs.id);

      const answers = await Promise.all(everyOperation(outsider.accessToken));

      expect(answers.map((answer) => answer.data ?? null)).toEqual(Array(answers.length).fill(null));
      expect(answers.map(codeOf)).toEqual(Array(answers.length).fill('FORBIDDEN'));
      await untouched();
    });

    it('refuses an API token restricted to another project, even its owner’s', async () => {
      const mine = await createProject(api.url, owner.accessToken);
      const token = await createApiToken(api.url, owner.accessToken, {
        projectId: mine.id,
        scopes: ['database:read', 'database:query', 'database:update', 'database:delete'],
      });
      // The token works in its own project.
      expect(
        ok(await send<{ databases: { edges: unknown[] } }>(LIST, { projectId: mine.id, first: 10 }, token.secret))
          .databases.edges,
      ).toEqual([]);

      const answers = await Promise.all(everyOperation(token.secret));

      expect(answers.map((answer) => answer.data ?? null)).toEqual(Array(answers.length).fill(null));
      expect(answers.map(codeOf)).toEqual(Array(answers.length).fill('FORBIDDEN'));
      await untouched();
    });

    it('refuses renaming a DELETING database, and rotating or describing a table of one not AVAILABLE', async () => {
      const service = api.app.get(DatabasesService);
      const { database: pending } = await service.create(
        owner.id,
        { projectId: project.id, engine: 'POSTGRESQL', name: 'not-yet' },
        { queue: false },
      );
      const id = pending._id.toHexString();

      const rotate = await send(ROTATE, { input: { id } });
      const table = await send(TABLE, { databaseId: id, table: 'items' });
      // DELETING, with no job and the sweeper held off, so that it stays so while asked.
      await records.collection.updateOne(
        { _id: pending._id },
        {
          $set: {
            status: 'DELETING',
            statusBeforeDeletion: 'PROVISIONING',
            nextAttemptAt: new Date(Date.now() + 3_600_000),
          },
        },
      );
      const rename = await send(UPDATE, { input: { id, name: 'renamed-while-deleting' } });

      for (const res of [rotate, table, rename]) {
        expect(codeOf(res)).toBe('CONFLICT');
        expect(reasonOf(res)).toBe('DATABASE_NOT_AVAILABLE');
      }
      expect((await records.findById(id).lean<DatabaseRecord>().exec())?.name).toBe('not-yet');
      await records.collection.updateOne({ _id: pending._id }, { $set: { nextAttemptAt: null } });
      ok(await send(DELETE, { input: { id } }));
    });

    it(
      'refuses an over-long table name, a null param, a malformed id and params to MONGODB',
      async () => {
        const longName = await send(TABLE, { databaseId: target.id, table: 'x'.repeat(501) });
        expect(codeOf(longName)).toBe('BAD_USER_INPUT');

        const nullParam = await execute({
          databaseId: target.id,
          query: 'SELECT $1::int + $2::int',
          params: [1, null],
        });
        expect(codeOf(nullParam)).toBe('BAD_USER_INPUT');
        // Refused by the schema itself (params' items are non-null), naming the item.
        expect(nullParam.errors?.[0]?.message).toContain('input.params[1]');

        for (const malformed of [
          await send(GET, { id: 'not-an-id' }),
          await execute({ databaseId: 'not-an-id', query: 'SELECT 1' }),
          await send(DELETE, { input: { id: 'not-an-id' } }),
        ]) {
          expect(codeOf(malformed)).toBe('BAD_USER_INPUT');
          expect(reasonOf(malformed)).toBe('INVALID_ID');
        }

        const mongo = (await provisioned('MONGODB', 'no-params')).database;
        const withParams = await execute({ databaseId: mongo.id, query: '{"ping": 1}', params: ['x'] });
        expect(codeOf(withParams)).toBe('BAD_USER_INPUT');
        expect(reasonOf(withParams)).toBe('INVALID_QUERY');
        ok(await execute({ databaseId: mongo.id, query: '{"ping": 1}' }));
        ok(await send(DELETE, { input: { id: mongo.id } }));
      },
      PROVISION_TIMEOUT_MS,
    );
  });

  describe('access and events', () => {
    let viewer: TestUser;
    let developer: TestUser;
    let shared: Database;

    beforeAll(async () => {
      viewer = await registerUser(api.url);
      developer = await registerUser(api.url);
      await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer.id, roleId: 'viewer' });
      await assignRole(api.url, owner.accessToken, {
        projectId: project.id,
        userId: developer.id,
        roleId: 'developer',
      });
      shared = (await provisioned('POSTGRESQL', 'shared')).database;
    }, PROVISION_TIMEOUT_MS);

    it('lets a viewer list and read, but not create, query or reveal', async () => {
      const list = ok(
        await send<{ databases: { edges: { node: Database }[] } }>(LIST, { projectId: project.id }, viewer.accessToken),
      );
      expect(list.databases.edges.map((e) => e.node.id)).toContain(shared.id);
      expect(ok(await send<{ database: Database }>(GET, { id: shared.id }, viewer.accessToken)).database.id).toBe(
        shared.id,
      );
      const before = await storedCount();

      const refusals = [
        await create({ projectId: project.id, engine: 'POSTGRESQL', name: 'viewers' }, viewer.accessToken),
        await execute({ databaseId: shared.id, query: 'SELECT 1' }, viewer.accessToken),
        await send(REVEAL, { input: { id: shared.id } }, viewer.accessToken),
        await send(ROTATE, { input: { id: shared.id } }, viewer.accessToken),
        await send(DELETE, { input: { id: shared.id } }, viewer.accessToken),
      ];

      expect(refusals.map(codeOf)).toEqual(Array(5).fill('FORBIDDEN'));
      expect(await storedCount()).toBe(before);
      expect((await get(shared.id)).status).toBe('AVAILABLE');
    });

    it('lets a developer query and reveal, but not delete', async () => {
      const result = ok(
        await execute({ databaseId: shared.id, query: 'SELECT 41 + 1 AS answer' }, developer.accessToken),
      ).executeQuery;
      expect(result).toMatchObject({ columns: ['answer'], rows: [[42]], rowCount: 1 });
      ok(await send(REVEAL, { input: { id: shared.id } }, developer.accessToken));
      expect(codeOf(await send(DELETE, { input: { id: shared.id } }, developer.accessToken))).toBe('FORBIDDEN');
    });

    it('announces database.created and database.deleted in the activity feed', async () => {
      ok(await send(DELETE, { input: { id: shared.id } }));

      const seen = await waitFor(
        async () => {
          const feed = ok(await on.team.activity(owner.accessToken, { projectId: project.id, first: 100 })).activity;
          const events = feed.edges
            .filter((e) => (e.node.payload as { databaseId?: string }).databaseId === shared.id)
            .map((e) => e.node.event);
          return events.includes('database.deleted') ? events : undefined;
        },
        PROVISION_TIMEOUT_MS,
        'database.deleted in the activity feed',
      );
      expect(seen.sort()).toEqual(['database.created', 'database.deleted']);
    });

    it("drops a deleted project's databases from the server", async () => {
      const doomed = await createProject(api.url, owner.accessToken);
      const created = ok(await create({ projectId: doomed.id, engine: 'POSTGRESQL', name: 'with-project' }))
        .createDatabase.database;
      await until(created.id, 'AVAILABLE');
      expect(await serverHas('POSTGRESQL', created)).toEqual({ database: true, user: true });

      ok(await on.projects.delete(owner.accessToken, { id: doomed.id }));

      await waitFor(
        async () => {
          const left = await serverHas('POSTGRESQL', created);
          return !left.database && !left.user && (await records.countDocuments({ _id: created.id }).exec()) === 0;
        },
        PROVISION_TIMEOUT_MS,
        "the project's database dropped",
      );
    });
  });
});
