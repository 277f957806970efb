import mongoose from 'mongoose';
import { startChildApi, type ChildApi } from './support/child-api';
import { registerUser } from './support/factories';
import { operations } from './support/operations';
import { resetDatabase, testEnv } from './support/test-app';

/**
 * The API process is killed (SIGKILL, no shutdown of any kind) while mutations stream in: every
 * mutation whose answer reached its client must have its audit entry in MongoDB.
 */
describe('audit entries of acknowledged mutations', () => {
  let api: ChildApi | undefined;
  const env = testEnv({ PROCESS_ROLE: 'api' }, 'crash');

  afterAll(async () => {
    if (api?.process.exitCode === null) api.process.kill('SIGKILL');
  });

  it('survive a crash right after the answers', async () => {
    await resetDatabase(env.MONGODB_URI!);
    const child = await startChildApi(env);
    api = child;
    const users = await Promise.all([1, 2, 3, 4].map(() => registerUser(child.url)));
    const acknowledged: string[] = [];
    let killed = false;
    const exited = new Promise((resolve) => child.process.once('exit', resolve));

    // Four clients create projects back to back; the process dies the moment the 24th answer is in.
    await Promise.all(
      users.map(async (user, n) => {
        for (let i = 0; !killed; i++) {
          const response = await operations(child.url)
            .projects.create(user.accessToken, { name: `crash ${n}-${i}` })
            .catch(() => undefined);
          const id = response?.data?.createProject?.id;
          if (killed || !id) return;
          acknowledged.push(id);
          if (acknowledged.length >= 24) {
            killed = true;
            child.process.kill('SIGKILL');
          }
        }
      }),
    );
    await exited;

    const connection = await mongoose.createConnection(env.MONGODB_URI!).asPromise();
    try {
      const audited = await connection.collection('audit_logs').distinct('projectId', {
        operation: 'mutation.createProject',
        outcome: 'GRANTED',
        projectId: { $in: acknowledged },
      });
      expect(acknowledged.filter((id) => !audited.includes(id))).toEqual([]);
      expect(acknowledged.length).toBeGreaterThanOrEqual(24);
    } finally {
      await connection.close();
    }
  });
});
