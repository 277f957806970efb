import Bull from 'bull';
import mongoose from 'mongoose';
import { request as httpRequest } from 'node:http';
import { ACCESS_QUEUE, AccessJob } from '../src/access/jobs/access-jobs';
import { ok } from './support/graphql-client';
import { startChildApi, type ChildApi } from './support/child-api';
import { createProject, registerUser, type TestUser } from './support/factories';
import { operations, PROJECT_EVENTS, subscribeProjectEvents, UPDATE_PROJECT } from './support/operations';
import { testEnv } from './support/test-app';
import { waitForJobState } from './support/queues';
import { insertExpiredAssignments } from './support/seed';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startRedis } = require('../tools/embedded-servers') as {
  startRedis: () => Promise<{ url: string; stop: () => Promise<void> }>;
};
import { firstWhileTriggering, LegacyClient, modernClient } from './support/ws-clients';

/**
 * How a process stops on SIGTERM, seen from outside: the compiled server in its own OS process,
 * stopped by a signal as an orchestrator stops it.
 */

/**
 * What a stop must never print: an ERROR log line, a write to a socket already ended, a Redis
 * command on a connection already closed, or a crash on a promise nobody handled.
 */
const NOT_CLEAN = /\bERROR\b|write after end|Connection is closed|Unhandled|uncaught/i;

/** A request whose body is only half sent, so it is still in flight when the process is told to stop. */
function requestInFlight(
  url: string,
  body: string,
  token: string,
): { finish(): void; answer: Promise<{ status: number; body: string }> } {
  const half = Math.floor(body.length / 2);
  const req = httpRequest(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      authorization: `Bearer ${token}`,
    },
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.once('error', reject);
    });
  });
  req.write(body.slice(0, half));
  return { finish: () => req.end(body.slice(half)), answer };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`No ${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function errorLines(output: string): string[] {
  return output.split('\n').filter((line) => NOT_CLEAN.test(line));
}

describe('stopping a process on SIGTERM', () => {
  let child: ChildApi | undefined;

  afterEach(async () => {
    await child?.stop();
    child = undefined;
  });

  it('closes subscribers of both protocols with 1001, still answers a request in flight, and logs no error', async () => {
    child = await startChildApi(testEnv({ PROCESS_ROLE: 'all' }));
    const api = child;
    const owner: TestUser = await registerUser(api.url);
    const project = await createProject(api.url, owner.accessToken);
    const rename = (name: string) => operations(api.url).projects.update(owner.accessToken, { id: project.id, name });

    const modern = modernClient(api.wsUrl, owner.accessToken);
    const modernClosed = new Promise<number>((resolve) =>
      modern.on('closed', (event) => resolve((event as { code: number }).code)),
    );
    const events = subscribeProjectEvents(modern, { projectId: project.id });
    expect(await firstWhileTriggering(events, async (n) => ok(await rename(`Modern ${n}`)))).toBeDefined();

    const legacy = new LegacyClient(api.wsUrl);
    const legacyClosed = new Promise<number>((resolve) => legacy.socket.once('close', (code) => resolve(code)));
    await legacy.opened;
    legacy.send({ type: 'connection_init', payload: { authorization: `Bearer ${owner.accessToken}` } });
    await legacy.expect(['connection_ack']);
    legacy.send({ id: '1', type: 'start', payload: { query: PROJECT_EVENTS, variables: { projectId: project.id } } });
    let data: unknown;
    for (let n = 0; n < 20 && !data; n += 1) {
      ok(await rename(`Legacy ${n}`));
      data = await legacy.expect(['data'], 250).catch(() => undefined);
    }
    expect(data).toBeDefined();

    // A mutation: it writes, announces an event, invalidates caches and is audited, all during the drain.
    const inFlight = requestInFlight(
      api.url,
      JSON.stringify({
        query: UPDATE_PROJECT,
        variables: { input: { id: project.id, name: 'Renamed while stopping' } },
      }),
      owner.accessToken,
    );
    // The headers have to reach the server before the signal for the request to count as in flight.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = api.stop();

    // Subscribers are told the server is going away while the request is still being sent.
    expect(await within(modernClosed, 5_000, 'close of the graphql-ws socket')).toBe(1001);
    expect(await within(legacyClosed, 5_000, 'close of the legacy socket')).toBe(1001);

    inFlight.finish();
    const answer = await within(inFlight.answer, 5_000, 'answer to the request in flight');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ data: { updateProject: { name: 'Renamed while stopping' } } });
    events.close();
    await modern.dispose();

    const { code, signal } = await within(stopped, 10_000, 'exit');
    expect(code === 0 || signal === 'SIGTERM').toBe(true);
    expect(errorLines(api.output())).toEqual([]);
  });

  it('stores the audit entry of a mutation answered just before the signal', async () => {
    child = await startChildApi(testEnv({ PROCESS_ROLE: 'api' }));
    const api = child;
    const owner = await registerUser(api.url);
    const project = await createProject(api.url, owner.accessToken);

    ok(await operations(api.url).projects.update(owner.accessToken, { id: project.id, name: 'Last words' }));
    const { code, signal } = await within(api.stop(), 10_000, 'exit');

    expect(code === 0 || signal === 'SIGTERM').toBe(true);
    expect(errorLines(api.output())).toEqual([]);
    const db = await mongoose.createConnection(testEnv().MONGODB_URI!).asPromise();
    try {
      const stored = await db
        .collection('audit_logs')
        .countDocuments({ operation: 'mutation.updateProject', projectId: project.id });
      expect(stored).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('hands a job still running when the grace period ends back without crashing', async () => {
    const env = testEnv({ PROCESS_ROLE: 'worker', SHUTDOWN_GRACE_SECONDS: '0' });
    child = await startChildApi(env);
    const api = child;
    const queue = new Bull(ACCESS_QUEUE, env.REDIS_URL!, { prefix: `${env.REDIS_PREFIX}:bull` });
    const db = await mongoose.createConnection(env.MONGODB_URI!).asPromise();
    try {
      // Enough expired rows that the job is still running when the signal comes.
      await insertExpiredAssignments(db, 5_000);
      const job = await queue.add(AccessJob.EXPIRE, { requestedAt: new Date().toISOString() });
      await waitForJobState(job, 'active', 10_000);
      const { code, signal } = await within(api.stop(), 10_000, 'exit');

      expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
      expect(api.output()).toContain('handed back');
      // Left to its lock to lapse, for another worker to pick up.
      expect(await job.getState()).toBe('active');
      expect(errorLines(api.output())).toEqual([]);
    } finally {
      await queue.close();
      await db.close();
    }
  });

  it.each(['worker', 'all'])(
    'stops on the signal when Redis has gone (%s), without crashing or a failed shutdown step',
    async (role) => {
      const redis = await startRedis();
      child = await startChildApi(testEnv({ PROCESS_ROLE: role, REDIS_URL: redis.url }, `redis-gone-${role}`));
      const api = child;
      await redis.stop();
      const { code, signal } = await within(api.stop(), 10_000, 'exit');

      expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
      // Redis being unreachable may be logged; a shutdown step failing (Nest logs its error bare,
      // without a context) or a crash (Node's closing line) may not.
      expect(api.output()).not.toMatch(/ERROR (Error\b|\[NestApplicationContext\])|^Node\.js v\d|Unhandled/m);
      expect(api.output()).toMatch(/handed back|handing them back/);
    },
  );
});
