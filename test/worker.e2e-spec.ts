import { getQueueToken } from '@nestjs/bull';
import Bull, { type Queue } from 'bull';
import mongoose, { Types } from 'mongoose';
import { ACCESS_QUEUE, AccessJob } from '../src/access/jobs/access-jobs';
import { assignRole, createProject, registerUser } from './support/factories';
import { waitFor } from './support/graphql-client';
import { subscribeProjectEvents } from './support/operations';
import { waitForJob, waitForJobState } from './support/queues';
import { insertExpiredAssignments } from './support/seed';
import { startTestApp, type TestApp } from './support/test-app';
import { modernClient } from './support/ws-clients';

/** The worker side: Bull processors on real Redis, and how a worker stops. */
describe('worker process role', () => {
  let api: TestApp;
  let queue: Queue;

  beforeAll(async () => {
    api = await startTestApp({ PROCESS_ROLE: 'all' });
    queue = api.app.get<Queue>(getQueueToken(ACCESS_QUEUE));
  });

  afterAll(async () => {
    await api?.close();
  });

  it('schedules the access-expiry job as a repeatable job', async () => {
    const repeatable = await queue.getRepeatableJobs();
    expect(repeatable.map((r) => r.name)).toContain(AccessJob.EXPIRE);
  });

  it('removes expired assignments and announces role.removed with reason "expired"', async () => {
    // The scheduled sweep could remove the assignment between its expiry and the job run here by
    // hand, which would then find nothing; this test runs the job itself.
    for (const repeatable of await queue.getRepeatableJobs()) await queue.removeRepeatableByKey(repeatable.key);
    const owner = await registerUser(api.url);
    const member = await registerUser(api.url);
    const project = await createProject(api.url, owner.accessToken);
    await assignRole(api.url, owner.accessToken, {
      projectId: project.id,
      userId: member.id,
      roleId: 'developer',
      expiresAt: new Date(Date.now() + 1_000).toISOString(),
    });
    const client = modernClient(api.wsUrl, owner.accessToken);
    const events = subscribeProjectEvents(client, { projectId: project.id });
    try {
      // The assignment has to expire by the clock before the job has anything to remove.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const job = await queue.add(AccessJob.EXPIRE, { requestedAt: new Date().toISOString() });
      const result = await waitForJob<{ removed: number }>(job);
      expect(result.removed).toBeGreaterThanOrEqual(1);
      const event = await waitFor(
        async () => {
          const next = await events.next(500).catch(() => undefined);
          return next?.projectEvents.name === 'role.removed' ? next : undefined;
        },
        5_000,
        'role.removed',
      );
      expect(event.projectEvents.payload).toMatchObject({ userId: member.id, roleId: 'developer', reason: 'expired' });
      const connection = await mongoose.createConnection(api.config.MONGODB_URI).asPromise();
      try {
        const left = await connection
          .collection('role_assignments')
          .countDocuments({ projectId: new Types.ObjectId(project.id), userId: new Types.ObjectId(member.id) });
        expect(left).toBe(0);
      } finally {
        await connection.close();
      }
      // Running it again finds nothing: the job is idempotent.
      const again = await queue.add(AccessJob.EXPIRE, { requestedAt: new Date().toISOString() });
      expect((await waitForJob<{ removed: number }>(again)).removed).toBe(0);
    } finally {
      events.close();
      await client.dispose();
    }
  });

  it('lets a running job finish before the process stops', async () => {
    // A grace long enough for the job: each assignment it ends is announced, and recorded in the
    // project's activity feed, which takes longer than the tests' usual 5 s on a loaded machine.
    const worker = await startTestApp({ PROCESS_ROLE: 'worker', SHUTDOWN_GRACE_SECONDS: '30' }, { label: 'graceful' });
    const workerQueue = worker.app.get<Queue>(getQueueToken(ACCESS_QUEUE));
    const observer = new Bull(ACCESS_QUEUE, worker.config.REDIS_URL, {
      prefix: `${worker.config.REDIS_PREFIX}:bull`,
    });
    const connection = await mongoose.createConnection(worker.config.MONGODB_URI).asPromise();
    try {
      // Enough expired rows that the job is still running when shutdown begins.
      await insertExpiredAssignments(connection, 1_500);
      const job = await workerQueue.add(AccessJob.EXPIRE, { requestedAt: new Date().toISOString() });
      await waitForJobState(job, 'active', 10_000);
      await worker.close();
      const after = await observer.getJob(job.id);
      expect(await after?.getState()).toBe('completed');
      expect(after?.returnvalue).toEqual({ removed: 1_000 });
    } finally {
      await observer.close();
      await connection.close();
    }
    // The worker is given 30 s of grace: the test must be allowed to outlast it.
  }, 90_000);
});
