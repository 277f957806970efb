import { getQueueToken } from '@nestjs/bull';
import { getModelToken } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import type { Client as WsClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import type { Model } from 'mongoose';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { Client as PgClient } from 'pg';
import { AppConfig } from '../src/config/app-config';
import type { DatabaseEngineName } from '../src/config/database-hosts';
import { BackupStatus, DatabaseBackupRecord } from '../src/databases/backups/database-backup.schema';
import { DatabaseBackupScheduleRecord } from '../src/databases/backups/database-backup-schedule.schema';
import { DatabaseOperationLocksService } from '../src/databases/backups/database-operation-locks.service';
import { DatabaseRestoreRecord } from '../src/databases/backups/database-restore.schema';
import { BACKUP_STORE } from '../src/databases/backups/store/backup-store';
import type { LocalBackupStore } from '../src/databases/backups/store/local-backup-store';
import { DatabaseRecord } from '../src/databases/database.schema';
import { DatabaseEnginesService } from '../src/databases/engines/database-engines.service';
import { DatabaseBackupsProcessor } from '../src/databases/jobs/database-backups.processor';
import { DATABASES_QUEUE, DatabaseJob } from '../src/databases/jobs/database-jobs';
import { assignRole, createProject, createRole, registerUser, type TestUser } from './support/factories';
import { codeOf, gql, ok, reasonOf, waitFor, type GraphQLResponse } from './support/graphql-client';
import { operations, type Project } from './support/operations';
import type { AuditLog } from './support/operations/audit';
import type { Connection } from './support/operations/shared';
import { startTestApp, type TestApp } from './support/test-app';
import { modernClient } from './support/ws-clients';

// ---- The API's documents -----------------------------------------------------------------------

interface Database {
  id: string;
  name: string;
  engine: DatabaseEngineName;
  status: 'PROVISIONING' | 'AVAILABLE' | 'FAILED' | 'DELETING';
  databaseName: string;
  username: string;
}

interface Backup {
  id: string;
  projectId: string;
  databaseId: string;
  engine: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  trigger: 'MANUAL' | 'SCHEDULED';
  sizeBytes: number | null;
  checksum: string | null;
  compression: string;
  startedAt: string;
  finishedAt: string | null;
  failureReason: string | null;
  createdBy: string | null;
}

interface Schedule {
  databaseId: string;
  cron: string;
  timezone: string;
  keepLast: number | null;
  keepDays: number | null;
  enabled: boolean;
  nextRunAt: string | null;
}

interface Restore {
  id: string;
  backupId: string;
  sourceDatabaseId: string;
  targetDatabaseId: string;
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  progress: number;
  failureReason: string | null;
  failureCode: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

interface ProjectEvent {
  name: string;
  payload: Record<string, unknown>;
}

const DATABASE_FIELDS = 'id name engine status databaseName username';
const BACKUP_FIELDS = `id projectId databaseId engine status trigger sizeBytes checksum compression startedAt finishedAt
  failureReason createdBy`;
const SCHEDULE_FIELDS = 'databaseId cron timezone keepLast keepDays enabled nextRunAt';
const RESTORE_FIELDS = `id backupId sourceDatabaseId targetDatabaseId status progress failureReason failureCode
  startedAt finishedAt`;

const CREATE_DATABASE = `mutation ($input: CreateDatabaseInput!) {
  createDatabase(input: $input) { database { ${DATABASE_FIELDS} } connectionString } }`;
const GET_DATABASE = `query ($id: ID!) { database(id: $id) { ${DATABASE_FIELDS} } }`;
const DELETE_DATABASE = `mutation ($input: DatabaseRefInput!) { deleteDatabase(input: $input) { id status } }`;
const REVEAL = `mutation ($input: DatabaseRefInput!) { revealDatabaseCredentials(input: $input) { connectionString } }`;
const UPDATE_DATABASE = `mutation ($input: UpdateDatabaseInput!) { updateDatabase(input: $input) { id name } }`;
const CREDENTIALS = 'password connectionString';
const REVEAL_PASSWORD = `mutation ($input: DatabaseRefInput!) { revealDatabaseCredentials(input: $input) { ${CREDENTIALS} } }`;
const ROTATE = `mutation ($input: DatabaseRefInput!) { rotateDatabaseCredentials(input: $input) { ${CREDENTIALS} } }`;
const EXECUTE = `mutation ($input: ExecuteQueryInput!) { executeQuery(input: $input) { rows } }`;
const CREATE_BACKUP = `mutation ($input: CreateBackupInput!) { createBackup(input: $input) { ${BACKUP_FIELDS} } }`;
const DELETE_BACKUP = `mutation ($input: DeleteBackupInput!) { deleteBackup(input: $input) }`;
const BACKUP = `query ($id: ID!) { backup(id: $id) { ${BACKUP_FIELDS} } }`;
const BACKUPS = `query ($databaseId: ID!, $first: Int, $after: String) {
  backups(databaseId: $databaseId, first: $first, after: $after) {
    totalCount edges { node { ${BACKUP_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
const SCHEDULE = `mutation ($input: ScheduleBackupsInput!) { scheduleBackups(input: $input) { ${SCHEDULE_FIELDS} } }`;
const GET_SCHEDULE = `query ($databaseId: ID!) { backupSchedule(databaseId: $databaseId) { ${SCHEDULE_FIELDS} } }`;
const RESTORE = `mutation ($input: RestoreBackupInput!) { restoreBackup(input: $input) { ${RESTORE_FIELDS} } }`;
const GET_RESTORE = `query ($id: ID!) { databaseRestore(id: $id) { ${RESTORE_FIELDS} } }`;

// ---- Each engine, through its own client library ------------------------------------------------

/** One row of the test data: what is written, changed, and restored. */
type Row = [number, string];

interface EngineCase {
  engine: DatabaseEngineName;
  /** Connects with `url` (the engine's own client) and writes `rows` (adding to what is there). */
  write(url: string, database: Database, rows: Row[]): Promise<void>;
  /** Removes the row with id `id`. */
  remove(url: string, database: Database, id: number): Promise<void>;
  /** Every row, as the engine's own client reads them with `url`, in id order. */
  read(url: string, database: Database): Promise<Row[]>;
}

async function pg<T>(url: string, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new PgClient({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function mysql<T>(
  url: string,
  work: (query: (sql: string, params?: unknown[]) => Promise<unknown>) => Promise<T>,
) {
  const connection = await createConnection({ uri: url, connectTimeout: 10_000 });
  connection.on('error', () => undefined);
  try {
    return await work(async (sql, params) => (await connection.query<RowDataPacket[]>(sql, params))[0]);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

async function redis<T>(url: string, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    client.disconnect();
  }
}

async function mongo<T>(url: string, database: Database, work: (db: ReturnType<MongoClient['db']>) => Promise<T>) {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  try {
    return await work(client.db(database.databaseName));
  } finally {
    await client.close();
  }
}

const POSTGRESQL: EngineCase = {
  engine: 'POSTGRESQL',
  write: (url, _db, rows) =>
    pg(url, async (client) => {
      await client.query('CREATE TABLE IF NOT EXISTS items (id integer PRIMARY KEY, label text NOT NULL)');
      for (const [id, label] of rows) await client.query('INSERT INTO items (id, label) VALUES ($1, $2)', [id, label]);
    }),
  remove: (url, _db, id) =>
    pg(url, async (client) => void (await client.query('DELETE FROM items WHERE id = $1', [id]))),
  read: (url) =>
    pg(url, async (client) => {
      const { rows } = await client.query<{ id: number; label: string }>('SELECT id, label FROM items ORDER BY id');
      return rows.map((r): Row => [r.id, r.label]);
    }),
};

const MYSQL: EngineCase = {
  engine: 'MYSQL',
  write: (url, _db, rows) =>
    mysql(url, async (query) => {
      await query('CREATE TABLE IF NOT EXISTS items (id integer PRIMARY KEY, label varchar(100) NOT NULL)');
      for (const [id, label] of rows) await query('INSERT INTO items (id, label) VALUES (?, ?)', [id, label]);
    }),
  remove: (url, _db, id) => mysql(url, async (query) => void (await query('DELETE FROM items WHERE id = ?', [id]))),
  read: (url) =>
    mysql(url, async (query) => {
      const rows = (await query('SELECT id, label FROM items ORDER BY id')) as { id: number; label: string }[];
      return rows.map((r): Row => [r.id, r.label]);
    }),
};

/** Redis rows are keys of the database's prefix: `item:<id>` holds the label; one has a TTL. */
const REDIS_IDS = Array.from({ length: 20 }, (_, i) => i + 1);
const REDIS: EngineCase = {
  engine: 'REDIS',
  write: (url, db, rows) =>
    redis(url, async (client) => {
      for (const [id, label] of rows) {
        if (id === 2) await client.set(`${db.databaseName}:item:${id}`, label, 'EX', 3_600);
        else await client.set(`${db.databaseName}:item:${id}`, label);
      }
    }),
  remove: (url, db, id) => redis(url, async (client) => void (await client.del(`${db.databaseName}:item:${id}`))),
  read: (url, db) =>
    redis(url, async (client) => {
      const values = await client.mget(...REDIS_IDS.map((id) => `${db.databaseName}:item:${id}`));
      return REDIS_IDS.flatMap((id, i): Row[] => (values[i] === null ? [] : [[id, values[i]!]]));
    }),
};

const MONGODB: EngineCase = {
  engine: 'MONGODB',
  write: (url, db, rows) =>
    mongo(url, db, async (database) => {
      for (const [id, label] of rows) await database.collection('items').insertOne({ _id: id as never, label });
    }),
  remove: (url, db, id) =>
    mongo(url, db, async (database) => void (await database.collection('items').deleteOne({ _id: id as never }))),
  read: (url, db) =>
    mongo(url, db, async (database) => {
      const docs = await database.collection('items').find({}).sort({ _id: 1 }).toArray();
      return docs.map((doc): Row => [doc._id as unknown as number, doc.label as string]);
    }),
};

const ENGINES: EngineCase[] = [POSTGRESQL, MYSQL, REDIS, MONGODB];

const PROVISION_TIMEOUT_MS = 60_000;
const JOB_TIMEOUT_MS = 60_000;
/** The test app's DATABASE_BACKUP_MIN_INTERVAL_SECONDS. */
const MIN_INTERVAL_SECONDS = 2;
const DAY_MS = 24 * 60 * 60_000;

/**
 * Backups of managed databases against the real PostgreSQL, MariaDB, Redis and MongoDB-protocol
 * servers: dumped, gzipped and checksummed into the local backup store, restored into the same
 * database and into a new one with the data back exactly, refused when the stored file is damaged,
 * scheduled through Bull with retention, and removed with their database.
 */
describe('database backups', () => {
  const hosts = process.env.DATABASE_HOSTS ?? '';
  let api: TestApp;
  let owner: TestUser;
  let viewer: TestUser;
  let developer: TestUser;
  let restorer: TestUser;
  let project: Project;
  let backupRecords: Model<DatabaseBackupRecord>;
  let scheduleRecords: Model<DatabaseBackupScheduleRecord>;
  let databaseRecords: Model<DatabaseRecord>;
  let store: LocalBackupStore;
  let queue: Queue;
  let ws: WsClient;
  const events: ProjectEvent[] = [];
  /** A database of each engine, made once and shared by the engine's tests. */
  const made = new Map<DatabaseEngineName, { database: Database; connectionString: string }>();

  beforeAll(async () => {
    api = await startTestApp({
      DATABASE_HOSTS: hosts,
      DATABASE_BACKUP_MIN_INTERVAL_SECONDS: String(MIN_INTERVAL_SECONDS),
    });
    backupRecords = api.app.get(getModelToken(DatabaseBackupRecord.name));
    scheduleRecords = api.app.get(getModelToken(DatabaseBackupScheduleRecord.name));
    databaseRecords = api.app.get(getModelToken(DatabaseRecord.name));
    store = api.app.get<LocalBackupStore>(BACKUP_STORE);
    queue = api.app.get<Queue>(getQueueToken(DATABASES_QUEUE));
    [owner, viewer, developer, restorer] = await Promise.all([
      registerUser(api.url),
      registerUser(api.url),
      registerUser(api.url),
      registerUser(api.url),
    ]);
    project = await createProject(api.url, owner.accessToken);
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer.id, roleId: 'viewer' });
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: developer.id, roleId: 'developer' });
    const role = await createRole(api.url, owner.accessToken, project.id, {
      permissions: ['DATABASE_READ', 'DATABASE_RESTORE'],
    });
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: restorer.id, roleId: role.id });

    // The project's event stream, collected from here on; renames probe until it is live.
    ws = modernClient(api.wsUrl, owner.accessToken, { lazy: false });
    ws.subscribe<{ projectEvents: ProjectEvent }>(
      {
        query: 'subscription ($projectId: ID!) { projectEvents(projectId: $projectId) { name payload } }',
        variables: { projectId: project.id },
      },
      {
        next: (value) => value.data && events.push(value.data.projectEvents),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await waitFor(
      async () => {
        ok(
          await operations(api.url).projects.update(owner.accessToken, {
            id: project.id,
            name: `Backups ${Date.now()}`,
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        return events.some((e) => e.name === 'project.updated');
      },
      20_000,
      'the project event stream to be live',
    );
  }, 120_000);

  afterAll(async () => {
    await ws?.dispose();
    await api?.close();
  });

  const send = <T>(query: string, variables: Record<string, unknown>, token = owner.accessToken) =>
    gql<T>(api.url, query, variables, token);

  const createBackup = (databaseId: string, token?: string) =>
    send<{ createBackup: Backup }>(CREATE_BACKUP, { input: { databaseId } }, token);
  const restoreBackup = (input: Record<string, unknown>, token?: string) =>
    send<{ restoreBackup: Restore }>(RESTORE, { input }, token);
  const schedule = (input: Record<string, unknown>, token?: string) =>
    send<{ scheduleBackups: Schedule }>(SCHEDULE, { input }, token);
  const getBackup = (id: string) => send<{ backup: Backup }>(BACKUP, { id });
  const listBackups = async (databaseId: string): Promise<Backup[]> =>
    ok(await send<{ backups: { edges: { node: Backup }[] } }>(BACKUPS, { databaseId, first: 100 })).backups.edges.map(
      (e) => e.node,
    );

  async function provisioned(engine: DatabaseEngineName, name: string) {
    const created = ok(
      await send<{ createDatabase: { database: Database; connectionString: string } }>(CREATE_DATABASE, {
        input: { projectId: project.id, engine, name },
      }),
    ).createDatabase;
    const database = await untilAvailable(created.database.id);
    return { database, connectionString: created.connectionString };
  }

  function untilAvailable(id: string): Promise<Database> {
    return waitFor(
      async () => {
        const database = ok(await send<{ database: Database }>(GET_DATABASE, { id })).database;
        if (database.status === 'FAILED') throw new Error(`database ${id} FAILED`);
        return database.status === 'AVAILABLE' ? database : undefined;
      },
      PROVISION_TIMEOUT_MS,
      `database ${id} AVAILABLE`,
    );
  }

  async function connectionStringOf(databaseId: string): Promise<string> {
    return ok(
      await send<{ revealDatabaseCredentials: { connectionString: string } }>(REVEAL, { input: { id: databaseId } }),
    ).revealDatabaseCredentials.connectionString;
  }

  function finishedBackup(id: string): Promise<Backup> {
    return waitFor(
      async () => {
        const backup = ok(await getBackup(id)).backup;
        return backup.status === 'RUNNING' ? undefined : backup;
      },
      JOB_TIMEOUT_MS,
      `backup ${id} to finish`,
    );
  }

  function finishedRestore(id: string): Promise<Restore> {
    return waitFor(
      async () => {
        const restore = ok(await send<{ databaseRestore: Restore }>(GET_RESTORE, { id })).databaseRestore;
        return restore.status === 'SUCCEEDED' || restore.status === 'FAILED' ? restore : undefined;
      },
      JOB_TIMEOUT_MS,
      `restore ${id} to finish`,
    );
  }

  async function backedUp(databaseId: string): Promise<Backup> {
    const backup = await finishedBackup(ok(await createBackup(databaseId)).createBackup.id);
    expect(backup).toMatchObject({ status: 'SUCCEEDED', failureReason: null });
    return backup;
  }

  async function storedPath(backupId: string): Promise<string> {
    const record = await backupRecords.findById(backupId).lean<DatabaseBackupRecord>().exec();
    return store.pathOf(record!.storageKey);
  }

  const eventOf = (name: string, match: Record<string, unknown>): Promise<ProjectEvent> =>
    waitFor(
      async () => events.find((e) => e.name === name && Object.entries(match).every(([k, v]) => e.payload[k] === v)),
      20_000,
      `${name} ${JSON.stringify(match)}`,
    );

  describe.each(ENGINES.map((c) => [c.engine, c] as const))('%s', (engine, sut) => {
    const rows: Row[] = [
      [1, 'alpha'],
      [2, 'beta'],
      [3, 'gamma ünïcode'],
    ];
    let database: Database;
    let url: string;
    let backup: Backup;

    beforeAll(async () => {
      const { database: db, connectionString } = await provisioned(engine, `${engine.toLowerCase()}-main`);
      database = db;
      url = connectionString;
      made.set(engine, { database, connectionString });
      await sut.write(url, database, rows);
    }, PROVISION_TIMEOUT_MS * 2);

    it('backs the database up: gzip in the store, with its size and checksum, and says so', async () => {
      expect(await sut.read(url, database)).toEqual(rows);

      backup = await backedUp(database.id);

      expect(backup).toMatchObject({
        projectId: project.id,
        databaseId: database.id,
        engine,
        trigger: 'MANUAL',
        compression: 'gzip',
        createdBy: owner.id,
      });
      const stored = await readFile(await storedPath(backup.id));
      expect(stored.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect(backup.sizeBytes).toBe(stored.length);
      expect(backup.checksum).toBe(createHash('sha256').update(stored).digest('hex'));
      const event = await eventOf('database.backup_succeeded', { backupId: backup.id });
      expect(event.payload).toMatchObject({ databaseId: database.id, trigger: 'MANUAL', sizeBytes: stored.length });
      expect(JSON.stringify(event)).not.toContain(new URL(url).password || 'no-password-in-url');
    });

    it('restores the database: the data is back exactly after it changed', async () => {
      await sut.remove(url, database, 1);
      await sut.write(url, database, [[4, 'delta']]);
      expect(await sut.read(url, database)).not.toEqual(rows);

      const queued = ok(await restoreBackup({ backupId: backup.id })).restoreBackup;
      expect(queued).toMatchObject({
        backupId: backup.id,
        sourceDatabaseId: database.id,
        targetDatabaseId: database.id,
        status: 'QUEUED',
        progress: 0,
      });
      const restore = await finishedRestore(queued.id);

      expect(restore).toMatchObject({ status: 'SUCCEEDED', progress: 1, failureReason: null, failureCode: null });
      expect(restore.startedAt).not.toBeNull();
      expect(restore.finishedAt).not.toBeNull();
      expect(await sut.read(url, database)).toEqual(rows);
      const event = await eventOf('database.restored', { restoreId: queued.id });
      expect(event.payload).toMatchObject({
        databaseId: database.id,
        backupId: backup.id,
        sourceDatabaseId: database.id,
      });
    });

    it('restores into a new database with the same data, the source untouched', async () => {
      const queued = ok(
        await restoreBackup({ backupId: backup.id, newDatabaseName: `${engine.toLowerCase()}-copy` }),
      ).restoreBackup;
      expect(queued.targetDatabaseId).not.toBe(database.id);

      const restore = await finishedRestore(queued.id);

      expect(restore).toMatchObject({ status: 'SUCCEEDED', progress: 1 });
      const copy = await untilAvailable(queued.targetDatabaseId);
      expect(copy).toMatchObject({ name: `${engine.toLowerCase()}-copy`, engine });
      const copyUrl = await connectionStringOf(copy.id);
      expect(await sut.read(copyUrl, copy)).toEqual(rows);
      // Two databases now: writing to the copy leaves the source alone.
      await sut.write(copyUrl, copy, [[9, 'copy only']]);
      expect(await sut.read(url, database)).toEqual(rows);
    });

    it('refuses a damaged backup with BACKUP_CORRUPT and leaves the target untouched', async () => {
      const damaged = await backedUp(database.id);
      const file = await storedPath(damaged.id);
      const bytes = await readFile(file);
      const middle = Math.floor(bytes.length / 2);
      bytes[middle] = bytes[middle]! ^ 0xff;
      await writeFile(file, bytes);
      await sut.remove(url, database, 3);
      const changed = await sut.read(url, database);

      const restore = await finishedRestore(ok(await restoreBackup({ backupId: damaged.id })).restoreBackup.id);

      expect(restore).toMatchObject({ status: 'FAILED', failureCode: 'BACKUP_CORRUPT' });
      expect(restore.failureReason).toMatch(/checksum/);
      expect(await sut.read(url, database)).toEqual(changed);
      expect(events.some((e) => e.name === 'database.restored' && e.payload.restoreId === restore.id)).toBe(false);
    });
  });

  describe('schedules and retention', () => {
    it('runs scheduled backups through Bull and keeps only the newest keepLast', async () => {
      const { database } = await provisioned('POSTGRESQL', 'scheduled');
      const manual = await backedUp(database.id);

      const set = ok(
        await schedule({ databaseId: database.id, cron: `*/${MIN_INTERVAL_SECONDS} * * * * *`, keepLast: 2 }),
      ).scheduleBackups;

      expect(set).toMatchObject({
        databaseId: database.id,
        timezone: 'UTC',
        keepLast: 2,
        keepDays: null,
        enabled: true,
      });
      expect(Date.parse(set.nextRunAt!)).toBeGreaterThan(Date.now() - 1_000);
      const repeatable = await queue.getRepeatableJobs();
      expect(repeatable.filter((job) => job.id?.includes(database.id))).toHaveLength(1);
      const seen = new Set<string>();
      const listedAtOnce: number[] = [];
      await waitFor(
        async () => {
          const current = await listBackups(database.id);
          const succeeded = current.filter((b) => b.status === 'SUCCEEDED');
          listedAtOnce.push(succeeded.length);
          for (const b of succeeded) if (b.trigger === 'SCHEDULED') seen.add(b.id);
          return seen.size >= 4;
        },
        JOB_TIMEOUT_MS,
        'four scheduled backups',
      );
      // Retention runs once a new backup is stored: at most the one just made past keepLast.
      expect(Math.max(...listedAtOnce)).toBeLessThanOrEqual(3);
      const off = ok(
        await schedule({
          databaseId: database.id,
          cron: `*/${MIN_INTERVAL_SECONDS} * * * * *`,
          keepLast: 2,
          enabled: false,
        }),
      ).scheduleBackups;
      expect(off).toMatchObject({ enabled: false, nextRunAt: null });
      expect((await queue.getRepeatableJobs()).filter((job) => job.id?.includes(database.id))).toEqual([]);
      await waitFor(
        async () =>
          (await backupRecords.countDocuments({ databaseId: database.id, status: BackupStatus.RUNNING })) === 0,
        JOB_TIMEOUT_MS,
        'no running backup',
      );

      const left = await waitFor(
        async () => {
          const succeeded = (await listBackups(database.id)).filter((b) => b.status === 'SUCCEEDED');
          return succeeded.length === 2 ? succeeded : undefined;
        },
        JOB_TIMEOUT_MS,
        'retention after the last backup',
      );
      expect(left).toHaveLength(2);
      expect(left.every((b) => b.trigger === 'SCHEDULED')).toBe(true);
      expect(codeOf(await getBackup(manual.id))).toBe('NOT_FOUND');
      const first = [...seen][0]!;
      expect(codeOf(await getBackup(first))).toBe('NOT_FOUND');
      const stored = await backupRecords.find({ databaseId: database.id }).lean<DatabaseBackupRecord[]>().exec();
      for (const record of stored) expect(await store.exists(record.storageKey)).toBe(true);
      expect(await store.exists(`${project.id}/${database.id}/${manual.id}.sql.gz`)).toBe(false);
      const scheduledEvent = await eventOf('database.backup_succeeded', {
        databaseId: database.id,
        trigger: 'SCHEDULED',
      });
      expect(scheduledEvent.payload.backupId).toBeDefined();
      expect(
        ok(await send<{ backupSchedule: Schedule }>(GET_SCHEDULE, { databaseId: database.id })).backupSchedule,
      ).toMatchObject({
        enabled: false,
        keepLast: 2,
      });
    });

    it('skips, without failing, a scheduled backup while another operation holds the database', async () => {
      const { database } = await provisioned('POSTGRESQL', 'busy');
      const outcomes: string[] = [];
      const onCompleted = (job: { name: string; data: { databaseId?: string } }, result: unknown): void => {
        if (job.name === DatabaseJob.SCHEDULED_BACKUP && job.data.databaseId === database.id)
          outcomes.push(String(result));
      };
      queue.on('completed', onCompleted);
      const locks = api.app.get(DatabaseOperationLocksService);
      await locks.acquire(database.id, 'restore:elsewhere', 60_000);
      try {
        ok(await schedule({ databaseId: database.id, cron: `*/${MIN_INTERVAL_SECONDS} * * * * *`, keepLast: 5 }));

        await waitFor(
          async () => outcomes.filter((o) => o === 'skipped').length >= 2,
          JOB_TIMEOUT_MS,
          'two skipped firings',
        );

        expect(await backupRecords.countDocuments({ databaseId: database.id })).toBe(0);
        await locks.release(database.id, 'restore:elsewhere');
        await waitFor(
          async () => outcomes.includes('done'),
          JOB_TIMEOUT_MS,
          'a scheduled backup once the lock is released',
        );
        const made = await listBackups(database.id);
        expect(made.length).toBeGreaterThanOrEqual(1);
        expect(made.every((b) => b.trigger === 'SCHEDULED' && b.status !== 'FAILED')).toBe(true);
      } finally {
        queue.off('completed', onCompleted);
        await locks.release(database.id, 'restore:elsewhere');
        ok(await schedule({ databaseId: database.id, cron: '0 3 * * *', keepLast: 5, enabled: false }));
      }
    });

    it('replaces the repeatable job when the schedule changes, in its time zone', async () => {
      const { database } = made.get('POSTGRESQL')!;
      ok(await schedule({ databaseId: database.id, cron: '0 3 * * *', timezone: 'Europe/Paris', keepDays: 7 }));
      const changed = ok(
        await schedule({ databaseId: database.id, cron: '30 4 * * 1', timezone: 'America/New_York', keepDays: 7 }),
      ).scheduleBackups;

      const jobs = (await queue.getRepeatableJobs()).filter((job) => job.id?.includes(database.id));
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ cron: '30 4 * * 1', tz: 'America/New_York' });
      const next = new Date(changed.nextRunAt!);
      const local = new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/New_York',
        weekday: 'short',
        hour: 'numeric',
        minute: 'numeric',
        hour12: false,
      }).format(next);
      expect(local).toBe('Mon 04:30');
      ok(await schedule({ databaseId: database.id, cron: '30 4 * * 1', keepDays: 7, enabled: false }));
    });
  });

  describe('keepDays', () => {
    it('removes backups older than keepDays, files and records, once a scheduled backup ran, on every engine', async () => {
      // The engines at once: each waits on its own schedule.
      const outcomes = await Promise.allSettled(
        ENGINES.map(async ({ engine }) => {
          const { database } = await provisioned(engine, `${engine.toLowerCase()}-kept-days`);
          const old = await backedUp(database.id);
          const recent = await backedUp(database.id);
          // Retention reads when a backup started: the first one started ten days ago.
          await backupRecords.updateOne({ _id: old.id }, { $set: { startedAt: new Date(Date.now() - 10 * DAY_MS) } });
          const oldFile = await storedPath(old.id);
          const recentFile = await storedPath(recent.id);
          await expect(readFile(oldFile)).resolves.toBeInstanceOf(Buffer);

          ok(await schedule({ databaseId: database.id, cron: `*/${MIN_INTERVAL_SECONDS} * * * * *`, keepDays: 7 }));
          let scheduled: Backup;
          try {
            scheduled = await waitFor(
              async () =>
                (await listBackups(database.id)).find((b) => b.trigger === 'SCHEDULED' && b.status === 'SUCCEEDED'),
              JOB_TIMEOUT_MS,
              `a scheduled ${engine} backup`,
            );
            // Retention follows the backup it made.
            await waitFor(
              async () => codeOf(await getBackup(old.id)) === 'NOT_FOUND',
              JOB_TIMEOUT_MS,
              `the ${engine} backup past keepDays removed`,
            );
          } finally {
            ok(await schedule({ databaseId: database.id, cron: '0 3 * * *', keepDays: 7, enabled: false }));
          }

          expect(await backupRecords.countDocuments({ _id: old.id })).toBe(0);
          await expect(readFile(oldFile)).rejects.toMatchObject({ code: 'ENOENT' });
          expect(ok(await getBackup(recent.id)).backup.status).toBe('SUCCEEDED');
          await expect(readFile(recentFile)).resolves.toBeInstanceOf(Buffer);
          await expect(readFile(await storedPath(scheduled.id))).resolves.toBeInstanceOf(Buffer);
          ok(await send(DELETE_DATABASE, { input: { id: database.id } }));
        }),
      );

      expect(
        outcomes.map((outcome, i) => [ENGINES[i]!.engine, outcome.status === 'fulfilled' || outcome.reason]),
      ).toEqual(ENGINES.map(({ engine }) => [engine, true]));
    }, 180_000);
  });

  describe('the audit log', () => {
    it('records every database mutation with its actor and outcome, refusals too, and never a secret', async () => {
      const since = new Date().toISOString();
      const marker = `param-${Date.now()}`;
      const created = ok(
        await send<{ createDatabase: { database: Database; connectionString: string } }>(CREATE_DATABASE, {
          input: { projectId: project.id, engine: 'POSTGRESQL', name: 'audited' },
        }),
      ).createDatabase;
      const database = await untilAvailable(created.database.id);
      ok(await send(UPDATE_DATABASE, { input: { id: database.id, name: 'audited-renamed' } }));
      type Credentials = { password: string; connectionString: string };
      const rotated = ok(
        await send<{ rotateDatabaseCredentials: Credentials }>(ROTATE, { input: { id: database.id } }),
      ).rotateDatabaseCredentials;
      const revealed = ok(
        await send<{ revealDatabaseCredentials: Credentials }>(REVEAL_PASSWORD, { input: { id: database.id } }),
      ).revealDatabaseCredentials;
      ok(await send(EXECUTE, { input: { databaseId: database.id, query: 'SELECT $1::text AS v', params: [marker] } }));
      const backup = await backedUp(database.id);
      ok(await schedule({ databaseId: database.id, cron: '0 3 * * *', keepLast: 3 }));
      await finishedRestore(ok(await restoreBackup({ backupId: backup.id })).restoreBackup.id);
      ok(await send(DELETE_BACKUP, { input: { backupId: backup.id } }));
      // Members without the permission.
      const deniedQuery = await send(
        EXECUTE,
        { input: { databaseId: database.id, query: 'SELECT $1::text AS v', params: [`${marker}-denied`] } },
        viewer.accessToken,
      );
      const deniedBackup = await createBackup(database.id, viewer.accessToken);
      const deniedDelete = await send(DELETE_DATABASE, { input: { id: database.id } }, developer.accessToken);
      expect([deniedQuery, deniedBackup, deniedDelete].map(codeOf)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
      ok(await send(DELETE_DATABASE, { input: { id: database.id } }));

      const expected: [operation: string, actor: TestUser, outcome: string, about: string][] = [
        ['createDatabase', owner, 'GRANTED', 'audited'],
        ['updateDatabase', owner, 'GRANTED', database.id],
        ['rotateDatabaseCredentials', owner, 'GRANTED', database.id],
        ['revealDatabaseCredentials', owner, 'GRANTED', database.id],
        ['executeQuery', owner, 'GRANTED', database.id],
        ['createBackup', owner, 'GRANTED', database.id],
        ['scheduleBackups', owner, 'GRANTED', database.id],
        ['restoreBackup', owner, 'GRANTED', backup.id],
        ['deleteBackup', owner, 'GRANTED', backup.id],
        ['deleteDatabase', owner, 'GRANTED', database.id],
        ['executeQuery', viewer, 'DENIED', database.id],
        ['createBackup', viewer, 'DENIED', database.id],
        ['deleteDatabase', developer, 'DENIED', database.id],
      ];
      const entries: AuditLog[] = [];
      let after: string | null = null;
      do {
        const page: Connection<AuditLog> = ok(
          await operations(api.url).audit.logs(owner.accessToken, { projectId: project.id, since, first: 100, after }),
        ).auditLogs;
        entries.push(...page.edges.map((e) => e.node));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      const label = (user: TestUser) => (user === owner ? 'owner' : user === viewer ? 'viewer' : 'developer');
      const found = expected.map(([operation, actor, outcome, about]) => [
        operation,
        label(actor),
        outcome,
        entries.some(
          (e) =>
            e.operation === `mutation.${operation}` &&
            e.actorId === actor.id &&
            e.outcome === outcome &&
            JSON.stringify(e.arguments).includes(about),
        ),
      ]);
      expect(found).toEqual(expected.map(([operation, actor, outcome]) => [operation, label(actor), outcome, true]));
      const logged = JSON.stringify(entries);
      for (const secret of [
        new URL(created.connectionString).password,
        created.connectionString,
        rotated.password,
        rotated.connectionString,
        revealed.password,
        marker,
      ]) {
        expect(logged).not.toContain(secret);
      }
    }, 180_000);
  });

  describe('deleting a database', () => {
    it('removes its backups (files and records), its schedule and its repeatable job', async () => {
      const { database } = await provisioned('POSTGRESQL', 'short-lived');
      const backup = await backedUp(database.id);
      const file = await storedPath(backup.id);
      ok(await schedule({ databaseId: database.id, cron: '0 3 * * *', keepLast: 3 }));
      expect((await queue.getRepeatableJobs()).some((job) => job.id?.includes(database.id))).toBe(true);

      ok(await send(DELETE_DATABASE, { input: { id: database.id } }));

      await waitFor(
        async () => (await databaseRecords.countDocuments({ _id: database.id })) === 0,
        PROVISION_TIMEOUT_MS,
        'the database to be deleted',
      );
      await waitFor(
        async () => (await backupRecords.countDocuments({ databaseId: database.id })) === 0,
        20_000,
        'its backups to be deleted',
      );
      expect(await readFile(file).catch((error: NodeJS.ErrnoException) => error.code)).toBe('ENOENT');
      expect(await scheduleRecords.countDocuments({ databaseId: database.id })).toBe(0);
      expect((await queue.getRepeatableJobs()).some((job) => job.id?.includes(database.id))).toBe(false);
      expect(codeOf(await getBackup(backup.id))).toBe('NOT_FOUND');
    });
  });

  describe('restoring elsewhere', () => {
    it('refuses a cross-project restore, even to a user who may restore in both projects, leaving the target untouched', async () => {
      const { database: source } = await provisioned('POSTGRESQL', 'cross-source');
      const backup = await backedUp(source.id);
      const otherProject = await createProject(api.url, owner.accessToken);
      const created = ok(
        await send<{ createDatabase: { database: Database } }>(CREATE_DATABASE, {
          input: { projectId: otherProject.id, engine: 'POSTGRESQL', name: 'cross-project' },
        }),
      ).createDatabase;
      const target = await untilAvailable(created.database.id);
      const before = await databaseRecords.findById(target.id).lean().exec();

      const res = await restoreBackup({ backupId: backup.id, targetDatabaseId: target.id });

      expect(codeOf(res)).toBe('NOT_FOUND');
      expect(reasonOf(res)).toBe('DATABASE_NOT_FOUND');
      const restores = api.app.get<Model<DatabaseRestoreRecord>>(getModelToken(DatabaseRestoreRecord.name));
      expect(await restores.countDocuments({ targetDatabaseId: target.id })).toBe(0);
      expect(await databaseRecords.findById(target.id).lean().exec()).toEqual(before);
      expect(await api.app.get(DatabaseOperationLocksService).holderOf(target.id)).toBeNull();
    });

    it('restores into another database of the same engine, and refuses one of another engine', async () => {
      const source = made.get('POSTGRESQL')!;
      const backup = await backedUp(source.database.id);
      const other = await provisioned('POSTGRESQL', 'other-target');
      await POSTGRESQL.write(other.connectionString, other.database, [[7, 'overwritten']]);

      const restore = await finishedRestore(
        ok(await restoreBackup({ backupId: backup.id, targetDatabaseId: other.database.id })).restoreBackup.id,
      );

      expect(restore).toMatchObject({
        status: 'SUCCEEDED',
        sourceDatabaseId: source.database.id,
        targetDatabaseId: other.database.id,
      });
      expect(await POSTGRESQL.read(other.connectionString, other.database)).toEqual(
        await POSTGRESQL.read(source.connectionString, source.database),
      );

      const mysqlTarget = made.get('MYSQL')!.database;
      const refused = await restoreBackup({ backupId: backup.id, targetDatabaseId: mysqlTarget.id });
      expect(codeOf(refused)).toBe('BAD_USER_INPUT');
      expect(reasonOf(refused)).toBe('ENGINE_MISMATCH');
    });
  });

  describe('progress', () => {
    it('reports a restore progress as it reads the backup, up to 1', async () => {
      const { database, connectionString } = await provisioned('POSTGRESQL', 'big');
      await pg(connectionString, async (client) => {
        await client.query('CREATE TABLE big (id integer PRIMARY KEY, hash text NOT NULL)');
        await client.query('INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 400000) g');
      });
      const backup = await backedUp(database.id);
      expect(backup.sizeBytes).toBeGreaterThan(5_000_000);
      const restores = api.app.get<Model<DatabaseRestoreRecord>>(getModelToken(DatabaseRestoreRecord.name));

      const queued = ok(await restoreBackup({ backupId: backup.id })).restoreBackup;
      const seen: number[] = [];
      const done = await waitFor(
        async () => {
          const record = await restores.findById(queued.id).lean<DatabaseRestoreRecord>().exec();
          seen.push(record!.progress);
          return record!.status === 'SUCCEEDED' || record!.status === 'FAILED' ? record : undefined;
        },
        JOB_TIMEOUT_MS,
        'the big restore',
      );

      expect(done).toMatchObject({ status: 'SUCCEEDED', progress: 1 });
      expect(seen.some((p) => p > 0 && p < 1)).toBe(true);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      const count = await pg(
        connectionString,
        async (client) => (await client.query('SELECT count(*)::int AS n FROM big')).rows[0],
      );
      expect(count).toEqual({ n: 400000 });
    });
  });

  describe('bad input', () => {
    const database = () => made.get('POSTGRESQL')!.database;

    it.each([
      ['a cron that does not parse', { cron: 'every night' }, 'INVALID_SCHEDULE'],
      ['a cron with too few fields', { cron: '0 3 *' }, 'INVALID_SCHEDULE'],
      ['a cron out of range', { cron: '0 25 * * *' }, 'INVALID_SCHEDULE'],
      ['a cron firing more often than allowed', { cron: '* * * * * *' }, 'INVALID_SCHEDULE'],
      ['an unknown time zone', { cron: '0 3 * * *', timezone: 'Mars/Olympus_Mons' }, 'INVALID_TIMEZONE'],
      ['no retention', { cron: '0 3 * * *', keepLast: null, keepDays: null }, 'INVALID_RETENTION'],
      ['keepLast 0', { cron: '0 3 * * *', keepLast: 0 }, 'INVALID_RETENTION'],
      ['keepLast past 1000', { cron: '0 3 * * *', keepLast: 1001 }, 'INVALID_RETENTION'],
      ['keepDays past 3650', { cron: '0 3 * * *', keepDays: 4000 }, 'INVALID_RETENTION'],
    ])('refuses a schedule with %s, changing nothing', async (_what, input, reason) => {
      const before = await scheduleRecords.findOne({ databaseId: database().id }).lean().exec();
      const res = await schedule({ databaseId: database().id, keepLast: 5, ...input });

      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(reasonOf(res)).toBe(reason);
      expect(await scheduleRecords.findOne({ databaseId: database().id }).lean().exec()).toEqual(before);
    });

    it('refuses a schedule for a database being deleted, and a firing whose database is gone removes its schedule', async () => {
      const { database: other } = await provisioned('POSTGRESQL', 'schedule-gone');
      const cron = '0 3 * * *';
      ok(await schedule({ databaseId: other.id, cron, keepLast: 3 }));
      const ofIt = async () => (await queue.getRepeatableJobs()).filter((job) => job.id?.includes(other.id));
      expect(await ofIt()).toHaveLength(1);
      await databaseRecords.updateOne({ _id: other.id }, { $set: { status: 'DELETING' } }).exec();
      try {
        const res = await schedule({ databaseId: other.id, cron: '0 4 * * *', keepLast: 3 });

        expect(codeOf(res)).toBe('CONFLICT');
        expect(reasonOf(res)).toBe('DATABASE_NOT_AVAILABLE');
        expect(await scheduleRecords.findOne({ databaseId: other.id }).lean().exec()).toMatchObject({ cron });

        // The schedule fires: its database is gone, so the schedule and its repeatable job go.
        const processor = api.app.get(DatabaseBackupsProcessor);
        const fired = await processor.scheduled({
          data: { databaseId: other.id },
          opts: { repeat: { cron, tz: 'UTC' } },
        } as unknown as Parameters<DatabaseBackupsProcessor['scheduled']>[0]);

        expect(fired).toBe('gone');
        expect(await scheduleRecords.countDocuments({ databaseId: other.id })).toBe(0);
        expect(await ofIt()).toEqual([]);
        expect(await backupRecords.countDocuments({ databaseId: other.id })).toBe(0);
      } finally {
        await databaseRecords.updateOne({ _id: other.id }, { $set: { status: 'AVAILABLE' } }).exec();
      }
    });

    it('refuses to back up a database that is not AVAILABLE, storing nothing', async () => {
      const { database: other } = await provisioned('POSTGRESQL', 'not-available');
      await databaseRecords.updateOne({ _id: other.id }, { $set: { status: 'PROVISIONING' } }).exec();
      try {
        const res = await createBackup(other.id);

        expect(codeOf(res)).toBe('CONFLICT');
        expect(reasonOf(res)).toBe('DATABASE_NOT_AVAILABLE');
        expect(await backupRecords.countDocuments({ databaseId: other.id })).toBe(0);
      } finally {
        await databaseRecords.updateOne({ _id: other.id }, { $set: { status: 'AVAILABLE' } }).exec();
      }
    });

    it('refuses to restore a backup that has not succeeded', async () => {
      const base = await backupRecords
        .findOne({ databaseId: database().id, status: BackupStatus.SUCCEEDED })
        .lean<DatabaseBackupRecord>()
        .exec();
      const { _id: _ignored, ...fields } = base!;
      const copies = await backupRecords.create([
        { ...fields, status: BackupStatus.FAILED, failureReason: 'the dump failed' },
        { ...fields, status: BackupStatus.RUNNING, sizeBytes: null, checksum: null },
      ]);
      try {
        for (const copy of copies) {
          const res = await restoreBackup({ backupId: copy._id.toHexString() });
          expect(codeOf(res)).toBe('CONFLICT');
          expect(reasonOf(res)).toBe('BACKUP_NOT_READY');
        }
      } finally {
        await backupRecords.deleteMany({ _id: { $in: copies.map((c) => c._id) } }).exec();
      }
    });

    it('refuses a restore naming both a target and a new database, and unknown backups', async () => {
      const backup = (await listBackups(database().id)).find((b) => b.status === 'SUCCEEDED')!;

      const both = await restoreBackup({ backupId: backup.id, targetDatabaseId: database().id, newDatabaseName: 'x' });
      expect(reasonOf(both)).toBe('INVALID_RESTORE_TARGET');
      const unknown = await restoreBackup({ backupId: '0123456789abcdef01234567' });
      expect(codeOf(unknown)).toBe('NOT_FOUND');
      const badId = await createBackup('not-an-id');
      expect(codeOf(badId)).toBe('BAD_USER_INPUT');
    });

    it('runs one backup or restore per database at a time, across processes', async () => {
      const locks = api.app.get(DatabaseOperationLocksService);
      // Another process's operation: its lock document is all this one sees.
      await locks.acquire(database().id, 'backup:elsewhere', 60_000);
      try {
        const backup = await createBackup(database().id);
        expect(codeOf(backup)).toBe('CONFLICT');
        expect(reasonOf(backup)).toBe('OPERATION_IN_PROGRESS');
        const existing = (await listBackups(database().id)).find((b) => b.status === 'SUCCEEDED')!;
        expect(reasonOf(await restoreBackup({ backupId: existing.id }))).toBe('OPERATION_IN_PROGRESS');
      } finally {
        await locks.release(database().id, 'backup:elsewhere');
      }

      const results = await Promise.all([1, 2, 3].map(() => createBackup(database().id)));

      const refused = results.filter((res) => reasonOf(res) === 'OPERATION_IN_PROGRESS');
      const started = results.filter((res) => !res.errors);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(started.length).toBeGreaterThanOrEqual(1);
      expect(refused.length + started.length).toBe(3);
      for (const res of started) await finishedBackup(res.data!.createBackup.id);
    });

    it('takes over the lock of a worker that stopped, once it is stale', async () => {
      const locks = api.app.get(DatabaseOperationLocksService);
      // Nothing else holds the database: the lock below is the only one.
      await waitFor(async () => (await locks.holderOf(database().id)) === null, JOB_TIMEOUT_MS, 'no lock');
      await locks.acquire(database().id, 'backup:dead-worker', 1);
      await new Promise((resolve) => setTimeout(resolve, 20));

      const backup = await finishedBackup(ok(await createBackup(database().id)).createBackup.id);

      expect(backup.status).toBe('SUCCEEDED');
      expect(await locks.holderOf(database().id)).toBeNull();
    });
  });

  describe('permissions', () => {
    const database = () => made.get('POSTGRESQL')!.database;
    const denied = (res: GraphQLResponse<unknown>) => expect(codeOf(res)).toBe('FORBIDDEN');

    it('lets a viewer read backups, and nothing else', async () => {
      const backup = (await listBackups(database().id)).find((b) => b.status === 'SUCCEEDED')!;

      expect(ok(await send<{ backup: Backup }>(BACKUP, { id: backup.id }, viewer.accessToken)).backup.id).toBe(
        backup.id,
      );
      denied(await createBackup(database().id, viewer.accessToken));
      denied(await restoreBackup({ backupId: backup.id }, viewer.accessToken));
      denied(await schedule({ databaseId: database().id, cron: '0 3 * * *', keepLast: 1 }, viewer.accessToken));
      denied(await send(DELETE_BACKUP, { input: { backupId: backup.id } }, viewer.accessToken));
      expect(ok(await getBackup(backup.id)).backup.status).toBe('SUCCEEDED');
    });

    it('lets a developer back up but not restore', async () => {
      const backup = await finishedBackup(ok(await createBackup(database().id, developer.accessToken)).createBackup.id);
      expect(backup).toMatchObject({ status: 'SUCCEEDED', createdBy: developer.id });

      denied(await restoreBackup({ backupId: backup.id }, developer.accessToken));
      expect(
        ok(
          await send<{ deleteBackup: boolean }>(
            DELETE_BACKUP,
            { input: { backupId: backup.id } },
            developer.accessToken,
          ),
        ).deleteBackup,
      ).toBe(true);
      expect(codeOf(await getBackup(backup.id))).toBe('NOT_FOUND');
    });

    it('asks for database:create as well before restoring into a new database', async () => {
      const backup = (await listBackups(database().id)).find((b) => b.status === 'SUCCEEDED')!;
      const before = await databaseRecords.countDocuments({ projectId: project.id });

      denied(await restoreBackup({ backupId: backup.id, newDatabaseName: 'not-allowed' }, restorer.accessToken));

      expect(await databaseRecords.countDocuments({ projectId: project.id })).toBe(before);
      const allowed = ok(await restoreBackup({ backupId: backup.id }, restorer.accessToken)).restoreBackup;
      expect((await finishedRestore(allowed.id)).status).toBe('SUCCEEDED');
    });

    it('keeps another project out', async () => {
      const stranger = await registerUser(api.url);
      await createProject(api.url, stranger.accessToken);
      const backup = (await listBackups(database().id)).find((b) => b.status === 'SUCCEEDED')!;

      denied(await send(BACKUP, { id: backup.id }, stranger.accessToken));
      denied(await restoreBackup({ backupId: backup.id }, stranger.accessToken));
    });
  });

  describe('failures', () => {
    it('keeps a new backup when retention fails to remove an older one', async () => {
      const { database } = await provisioned('POSTGRESQL', 'retention-fails');
      const older = await finishedBackup(ok(await createBackup(database.id)).createBackup.id);
      expect(older.status).toBe('SUCCEEDED');
      ok(await schedule({ databaseId: database.id, cron: '0 3 * * *', keepLast: 1 }));
      // The older backup's file becomes a directory holding a file: the store cannot delete it.
      const olderRecord = await backupRecords.findById(older.id).lean<DatabaseBackupRecord>().exec();
      const olderFile = store.pathOf(olderRecord!.storageKey);
      await rm(olderFile);
      await mkdir(olderFile);
      await writeFile(`${olderFile}/blocker`, 'x');
      try {
        const newer = await finishedBackup(ok(await createBackup(database.id)).createBackup.id);

        expect(newer.status).toBe('SUCCEEDED');
        const newerRecord = await backupRecords.findById(newer.id).lean<DatabaseBackupRecord>().exec();
        expect(await store.exists(newerRecord!.storageKey)).toBe(true);
        expect((await listBackups(database.id)).map((b) => b.id)).toContain(newer.id);
      } finally {
        await rm(olderFile, { recursive: true, force: true });
      }
    });

    it('refuses to delete a backup that is still running, and deletes it once it has finished', async () => {
      const { database } = await provisioned('POSTGRESQL', 'delete-running');
      // The worker of this process takes no job meanwhile: the backup stays RUNNING.
      await queue.pause(true);
      let backupId: string;
      try {
        backupId = ok(await createBackup(database.id)).createBackup.id;
        const res = await send<{ deleteBackup: boolean }>(DELETE_BACKUP, { input: { backupId } });

        expect(codeOf(res)).toBe('CONFLICT');
        expect(reasonOf(res)).toBe('OPERATION_IN_PROGRESS');
        expect((await backupRecords.findById(backupId).lean<DatabaseBackupRecord>().exec())?.status).toBe('RUNNING');
      } finally {
        await queue.resume(true);
      }
      const backup = await finishedBackup(backupId);
      expect(backup.status).toBe('SUCCEEDED');
      expect(ok(await send<{ deleteBackup: boolean }>(DELETE_BACKUP, { input: { backupId } })).deleteBackup).toBe(true);
      expect(await backupRecords.countDocuments({ _id: backupId })).toBe(0);
      // Its lock went with it: the next backup starts at once.
      expect((await finishedBackup(ok(await createBackup(database.id)).createBackup.id)).status).toBe('SUCCEEDED');
    });

    it('records a failed backup without a credential, keeps no file, and says so', async () => {
      const { database, connectionString } = await provisioned('POSTGRESQL', 'failing');
      const password = decodeURIComponent(new URL(connectionString).password);
      expect(password.length).toBeGreaterThan(8);
      const engines = api.app.get(DatabaseEnginesService);
      const driver = engines.driver('POSTGRESQL');
      // The database vanishes from the server behind the platform's back: pg_dump then fails.
      await driver.drop(database);

      const backup = await finishedBackup(ok(await createBackup(database.id)).createBackup.id);

      expect(backup.status).toBe('FAILED');
      expect(backup.failureReason).toBeTruthy();
      expect(backup.failureReason).not.toContain(password);
      // pg_dump connects to the operator's admin server and names it in its errors.
      const admin = new URL(api.app.get(AppConfig).databaseHosts.POSTGRESQL!.adminUrl);
      expect(backup.failureReason).not.toContain(admin.hostname);
      expect(backup.failureReason).not.toContain(`port ${admin.port}`);
      expect(JSON.stringify(await backupRecords.findById(backup.id).lean().exec())).not.toContain(password);
      const record = await backupRecords.findById(backup.id).lean<DatabaseBackupRecord>().exec();
      expect(await store.exists(record!.storageKey)).toBe(false);
      const event = await eventOf('database.backup_failed', { backupId: backup.id });
      expect(event.payload).toMatchObject({ databaseId: database.id, trigger: 'MANUAL' });
      expect(JSON.stringify(event)).not.toContain(password);
      expect(JSON.stringify(event)).not.toContain(admin.hostname);
    });
  });
});
