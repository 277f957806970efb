import type { Document } from 'mongodb';
import { MongoServerError } from 'mongodb';
import type { DatabaseEngineDriver, DatabaseTarget, QueryRequest } from './database-engine';
import { createMongodbDriver } from './mongodb.engine';

/**
 * The MongoDB driver's path for a server with users (a real MongoDB with access control), which
 * the embedded MongoDB-protocol server of the end-to-end tests cannot run: the commands it sends,
 * recorded by a fake client in place of the driver's `MongoClient`.
 */

/** One command a client sent: through which connection (its URL), to which database. */
interface SentCommand {
  url: string;
  db: string;
  command: Document;
}

/** What the fake server holds and has been sent; reset before each test. */
const mockServer = {
  sent: [] as SentCommand[],
  /** Users that exist, as `db.user`. */
  users: new Set<string>(),
  /** Commands (`verb subject`) the server refuses, with the error it gives. */
  refuse: new Map<string, Error>(),
};

jest.mock('mongodb', () => {
  const actual = jest.requireActual<typeof import('mongodb')>('mongodb');
  class FakeMongoClient {
    constructor(readonly url: string) {}

    db(name: string) {
      const send = async (command: Document): Promise<Document> => {
        mockServer.sent.push({ url: this.url, db: name, command });
        const verb = Object.keys(command)[0]!;
        const refusal = mockServer.refuse.get(`${verb} ${String(command[verb])}`);
        if (refusal) throw refusal;
        const user = `${name}.${String(command[verb])}`;
        switch (verb) {
          case 'usersInfo':
            return { users: [], ok: 1 };
          case 'createUser':
            if (mockServer.users.has(user)) {
              throw new actual.MongoServerError({ message: `User "${user}" already exists`, code: 51003 });
            }
            mockServer.users.add(user);
            return { ok: 1 };
          case 'dropUser':
            if (!mockServer.users.delete(user)) {
              throw new actual.MongoServerError({ message: `User ${user} not found`, code: 11 });
            }
            return { ok: 1 };
          default:
            return { ok: 1 };
        }
      };
      return { command: send, dropDatabase: () => send({ dropDatabase: 1 }) };
    }

    async close(): Promise<void> {
      // Nothing to close.
    }
  }
  return { ...actual, MongoClient: FakeMongoClient };
});

const ADMIN_URL = 'mongodb://platform_admin:admin-secret@10.0.0.8:27017/admin';
const target: DatabaseTarget = { databaseName: 'db_abc', username: 'u_abc', password: 'pw-Secret_1' };

const request = (query: string, readOnly: boolean): QueryRequest => ({
  query,
  params: [],
  readOnly,
  timeoutMs: 1_000,
  maxRows: 10,
  maxBytes: 10_000,
});

/** The commands sent, as `verb subject` on `db`, without the admin's probe for users. */
function verbs(): string[] {
  return mockServer.sent
    .filter((sent) => !('usersInfo' in sent.command && sent.db === 'admin'))
    .map((sent) => {
      const verb = Object.keys(sent.command)[0]!;
      return `${sent.db} ${verb} ${String(sent.command[verb])}`;
    });
}

function sentOf(verb: string): SentCommand[] {
  return mockServer.sent.filter((sent) => verb in sent.command);
}

describe('MongoDB driver on a server with users', () => {
  let driver: DatabaseEngineDriver;

  beforeEach(() => {
    mockServer.sent = [];
    mockServer.users = new Set();
    mockServer.refuse = new Map();
    driver = createMongodbDriver({ adminUrl: ADMIN_URL, host: 'mongo.example.com', port: 27017 });
  });

  afterEach(() => driver.close());

  it("makes a read-write and a read-only user whose roles reach the database's own namespace only", async () => {
    await driver.provision(target);

    expect(verbs()).toEqual(['db_abc createUser u_abc', 'db_abc createUser u_abc_ro']);
    const [readWrite, readOnly] = sentOf('createUser').map((sent) => sent.command);
    expect(readWrite).toMatchObject({ pwd: target.password });
    expect(readWrite!.roles).toEqual([
      { role: 'readWrite', db: 'db_abc' },
      { role: 'dbAdmin', db: 'db_abc' },
    ]);
    expect(readOnly).toMatchObject({ pwd: target.password, roles: [{ role: 'read', db: 'db_abc' }] });
    // Every role is a document naming this database: no role by bare name (which would apply to
    // the authentication database, whatever it is), no server-wide or user-managing role.
    for (const { command } of sentOf('createUser')) {
      for (const role of command.roles as unknown[]) {
        expect(role).toEqual({ role: expect.stringMatching(/^(readWrite|dbAdmin|read)$/), db: 'db_abc' });
      }
    }
  });

  it('gives existing users the same roles and the new password when provisioning again', async () => {
    await driver.provision(target);
    mockServer.sent = [];

    await driver.provision({ ...target, password: 'another-password' });

    const updates = sentOf('updateUser').map((sent) => sent.command);
    expect(updates).toEqual([
      {
        updateUser: 'u_abc',
        pwd: 'another-password',
        roles: [
          { role: 'readWrite', db: 'db_abc' },
          { role: 'dbAdmin', db: 'db_abc' },
        ],
      },
      { updateUser: 'u_abc_ro', pwd: 'another-password', roles: [{ role: 'read', db: 'db_abc' }] },
    ]);
  });

  it('drops the users it made when the second one cannot be made', async () => {
    const refusal = new MongoServerError({ message: 'not authorized', code: 13 });
    mockServer.refuse.set('createUser u_abc_ro', refusal);

    await expect(driver.provision(target)).rejects.toBe(refusal);

    expect(verbs()).toEqual([
      'db_abc createUser u_abc',
      'db_abc createUser u_abc_ro',
      'db_abc dropUser u_abc',
      'db_abc dropUser u_abc_ro',
    ]);
    expect([...mockServer.users]).toEqual([]);
  });

  it('drops the database and both users, and again when the users are gone', async () => {
    await driver.provision(target);
    mockServer.sent = [];

    await driver.drop(target);
    await driver.drop(target);

    const once = ['db_abc dropDatabase 1', 'db_abc dropUser u_abc', 'db_abc dropUser u_abc_ro'];
    expect(verbs()).toEqual([...once, ...once]);
    expect([...mockServer.users]).toEqual([]);
  });

  it('gives both users the new password and leaves their roles alone', async () => {
    await driver.provision(target);
    mockServer.sent = [];

    await driver.setPassword({ ...target, password: 'rotated-password' });

    expect(sentOf('updateUser').map((sent) => ({ db: sent.db, command: sent.command }))).toEqual([
      { db: 'db_abc', command: { updateUser: 'u_abc', pwd: 'rotated-password' } },
      { db: 'db_abc', command: { updateUser: 'u_abc_ro', pwd: 'rotated-password' } },
    ]);
  });

  it("runs the console as the database's own users, never as the admin", async () => {
    await driver.execute(target, request('{"ping": 1}', true));
    await driver.execute(target, request('{"ping": 1}', false));

    const pings = sentOf('ping');
    expect(pings).toHaveLength(2);
    const [readOnly, readWrite] = pings.map((sent) => new URL(sent.url));
    for (const [url, user] of [
      [readOnly!, 'u_abc_ro'],
      [readWrite!, 'u_abc'],
    ] as const) {
      expect(url.username).toBe(user);
      expect(decodeURIComponent(url.password)).toBe(target.password);
      expect(url.pathname).toBe('/db_abc');
      expect(url.searchParams.get('authSource')).toBe('db_abc');
    }
    expect(pings.every((sent) => sent.db === 'db_abc' && !sent.url.includes('admin-secret'))).toBe(true);
  });

  it('gives a connection string with the user, authenticated against its own database', async () => {
    await driver.provision(target);

    const url = new URL(driver.connectionString(target));

    expect(url.username).toBe('u_abc');
    expect(decodeURIComponent(url.password)).toBe(target.password);
    expect(`${url.hostname}:${url.port}${url.pathname}`).toBe('mongo.example.com:27017/db_abc');
    expect(url.searchParams.get('authSource')).toBe('db_abc');
  });
});
