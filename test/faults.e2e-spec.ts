import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { codeOf, ok, reasonOf, waitFor, type GraphQLResponse } from './support/graphql-client';
import { faultMongo, faultRedis, type FaultServer } from './support/fault-servers';
import { createProject, registerUser, type TestUser } from './support/factories';
import { operations, type Operations } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';
import { RawWsClient } from './support/ws-clients';

/** Runs `send` and says how long the answer took. */
async function timed<T>(send: () => Promise<T>): Promise<{ response: T; ms: number }> {
  const started = Date.now();
  const response = await send();
  return { response, ms: Date.now() - started };
}

function expectUnavailable(response: GraphQLResponse<unknown>, reason: string): void {
  expect(codeOf(response)).toBe('SERVICE_UNAVAILABLE');
  expect(reasonOf(response)).toBe(reason);
  expect(response.status).toBe(503);
}

/**
 * MongoDB paused (connections open, no answers) and killed, with an API whose MongoDB timeout is
 * one second: requests fail fast with a retryable SERVICE_UNAVAILABLE, and the audit entries of
 * what was attempted meanwhile are stored once MongoDB is back.
 */
describe('when MongoDB stops answering', () => {
  let mongo: FaultServer;
  let api: TestApp;
  let on: Operations;
  let owner: TestUser;
  const database = () => `${mongo.url}/slipway_faults`;

  beforeAll(async () => {
    mongo = await faultMongo();
    api = await startTestApp({ MONGODB_URI: database(), MONGODB_TIMEOUT_MS: '1000' }, { label: 'mongo' });
    on = operations(api.url);
    owner = await registerUser(api.url);
    await createProject(api.url, owner.accessToken);
  });

  afterAll(async () => {
    await api?.close();
    await mongo?.stop();
  });

  async function failedAttempts(name: string): Promise<number> {
    const connection = await mongoose.createConnection(database()).asPromise();
    try {
      return await connection
        .collection('audit_logs')
        .countDocuments({ operation: 'mutation.createProject', 'arguments.input.name': name, outcome: 'FAILED' });
    } finally {
      await connection.close();
    }
  }

  it('fails reads and writes within the timeout while it is paused, and keeps their audit entries until it answers', async () => {
    mongo.pause();
    try {
      const read = await timed(() => on.projects.list(owner.accessToken));
      expectUnavailable(read.response, 'MONGODB_UNAVAILABLE');
      expect(read.ms).toBeLessThan(5_000);

      const write = await timed(() => on.projects.create(owner.accessToken, { name: 'during the pause' }));
      expectUnavailable(write.response, 'MONGODB_UNAVAILABLE');
      expect(write.ms).toBeLessThan(5_000);
    } finally {
      mongo.resume();
    }
    // The entry waited in memory through the outage and is written now.
    await waitFor(async () => (await failedAttempts('during the pause')) === 1, 15_000, 'the kept audit entry');
    ok(await on.projects.list(owner.accessToken));
  });

  it('does not call a credential refused when its session cannot be checked', async () => {
    // Signed up but never seen by this process's session cache: checking the token needs MongoDB.
    const newcomer = await registerUser(api.url);
    mongo.pause();
    try {
      const read = await on.projects.list(newcomer.accessToken);
      expectUnavailable(read, 'MONGODB_UNAVAILABLE');

      const socket = new RawWsClient(api.wsUrl, 'graphql-transport-ws');
      await socket.opened;
      socket.send({ type: 'connection_init', payload: { Authorization: `Bearer ${newcomer.accessToken}` } });
      await waitFor(async () => socket.closeCode !== undefined, 10_000, 'the socket to close');
      expect(socket.closeCode).toBe(1013);
    } finally {
      mongo.resume();
    }
    await waitFor(async () => !codeOf(await on.projects.list(newcomer.accessToken)), 15_000, 'MongoDB to serve again');
  });

  it('fails within the timeout while it is down, and serves again once it is back', async () => {
    await mongo.kill();
    try {
      const write = await timed(() => on.projects.create(owner.accessToken, { name: 'while it is down' }));
      expectUnavailable(write.response, 'MONGODB_UNAVAILABLE');
      expect(write.ms).toBeLessThan(5_000);
    } finally {
      await mongo.restart();
    }
    await waitFor(async () => !codeOf(await on.projects.list(owner.accessToken)), 15_000, 'MongoDB to serve again');
    await waitFor(async () => (await failedAttempts('while it is down')) === 1, 15_000, 'the kept audit entry');
  });
});

/**
 * The audit backlog is bounded: while MongoDB cannot take entries, at most AUDIT_MAX_PENDING wait
 * in memory. Past it mutations are refused (never acknowledged without an entry), denied attempts
 * are counted as lost, and `/readyz` says so; once MongoDB is back the backlog is written.
 */
describe('when the audit backlog fills up', () => {
  let mongo: FaultServer;
  let api: TestApp;
  const database = () => `${mongo.url}/slipway_backlog`;

  beforeAll(async () => {
    mongo = await faultMongo();
    api = await startTestApp(
      { MONGODB_URI: database(), MONGODB_TIMEOUT_MS: '1000', AUDIT_MAX_PENDING: '100' },
      { label: 'backlog' },
    );
  });

  afterAll(async () => {
    await api?.close();
    await mongo?.stop();
  });

  it('refuses mutations, counts what it loses, and writes the rest once MongoDB is back', async () => {
    const on = operations(api.url);
    const owner = await registerUser(api.url);
    ok(await on.auth.me(owner.accessToken));
    mongo.pause();
    try {
      // 100 anonymous attempts to change something, each denied and audited while nothing can be stored.
      for (let batch = 0; batch < 10; batch++) {
        const denied = await Promise.all(
          Array.from({ length: 10 }, (_, i) => on.projects.create(undefined, { name: `anonymous ${batch}-${i}` })),
        );
        expect(denied.map(codeOf)).toEqual(Array(10).fill('UNAUTHENTICATED'));
      }
      // The backlog is full: 30 more denied reads still get their answer, but their entries are lost.
      const reads = await Promise.all(Array.from({ length: 30 }, () => on.projects.list(undefined)));
      expect(reads.map(codeOf)).toEqual(Array(30).fill('UNAUTHENTICATED'));
      const refused = await timed(() => on.projects.create(owner.accessToken, { name: 'not now' }));
      expectUnavailable(refused.response, 'AUDIT_UNAVAILABLE');
      expect(refused.ms).toBeLessThan(2_000);

      const readiness = await fetch(`${api.baseUrl}/readyz`);
      expect(readiness.status).toBe(503);
      expect(await readiness.json()).toMatchObject({ checks: { audit: 'full' }, audit: { pending: 100, lost: 30 } });
    } finally {
      mongo.resume();
    }
    await waitFor(
      async () =>
        ((await (await fetch(`${api.baseUrl}/readyz`)).json()) as { audit: { pending: number } }).audit.pending === 0,
      15_000,
      'the backlog to be written',
    );
    const connection = await mongoose.createConnection(database()).asPromise();
    try {
      expect(
        await connection
          .collection('audit_logs')
          .countDocuments({ operation: 'mutation.createProject', outcome: 'DENIED' }),
      ).toBe(100);
    } finally {
      await connection.close();
    }
    ok(await on.projects.create(owner.accessToken, { name: 'accepted again' }));
  });
});

/**
 * Redis paused and killed, with an API whose Redis timeout is half a second: what needs Redis
 * fails fast with SERVICE_UNAVAILABLE; what only publishes to it is answered, and the message is
 * delivered when Redis is back.
 */
describe('when Redis stops answering', () => {
  let redis: FaultServer;
  let api: TestApp;
  let on: Operations;
  let owner: TestUser;

  beforeAll(async () => {
    redis = await faultRedis();
    api = await startTestApp({ REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '500' }, { label: 'redis' });
    on = operations(api.url);
    owner = await registerUser(api.url);
  });

  afterAll(async () => {
    await api?.close();
    await redis?.stop();
  });

  it('answers a mutation while Redis is paused, and publishes its event once Redis answers again', async () => {
    const listener = new Redis(redis.url);
    const events: Array<{ name: string; payload: { name?: string } }> = [];
    listener.on('pmessage', (_pattern, _channel, message: string) => events.push(JSON.parse(message)));
    await listener.psubscribe(`${api.config.REDIS_PREFIX}:events:project:*`);
    try {
      redis.pause();
      let created: { ms: number; response: GraphQLResponse<{ createProject: { id: string } }> };
      try {
        created = await timed(() => on.projects.create(owner.accessToken, { name: 'made while Redis sleeps' }));
      } finally {
        redis.resume();
      }
      expect(ok(created.response).createProject.id).toEqual(expect.any(String));
      expect(created.ms).toBeLessThan(3_000);
      await waitFor(
        async () => events.some((e) => e.name === 'project.created' && e.payload.name === 'made while Redis sleeps'),
        10_000,
        'the event published after Redis came back',
      );
    } finally {
      listener.disconnect();
    }
  });

  it('fails sign-in fast with SERVICE_UNAVAILABLE while Redis is paused or down', async () => {
    const credentials = { email: owner.email, password: owner.password };
    redis.pause();
    try {
      const paused = await timed(() => on.auth.login(credentials));
      expectUnavailable(paused.response, 'REDIS_UNAVAILABLE');
      expect(paused.ms).toBeLessThan(3_000);
    } finally {
      redis.resume();
    }
    await redis.kill();
    try {
      const down = await timed(() => on.auth.login(credentials));
      expectUnavailable(down.response, 'REDIS_UNAVAILABLE');
      expect(down.ms).toBeLessThan(3_000);
    } finally {
      await redis.restart();
    }
    await waitFor(async () => !codeOf(await on.auth.login(credentials)), 10_000, 'sign-in to work again');
  });
});
