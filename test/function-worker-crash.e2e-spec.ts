import { execFileSync } from 'node:child_process';
import { startChildApi, type ChildApi } from './support/child-api';
import { createProject, registerUser } from './support/factories';
import { ok, waitFor } from './support/graphql-client';
import { operations } from './support/operations';
import { startTestApp, testEnv, type TestApp } from './support/test-app';

/** Host processes whose command line contains `marker`. */
function processesWith(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * A worker is SIGKILLed in the middle of an asynchronous invocation: the function's processes die
 * with it, and the worker that gets the job next ends the invocation FAILED with the reason
 * instead of leaving it RUNNING for ever (or running it a second time).
 */
describe('a worker killed in the middle of an invocation', () => {
  let api: TestApp;
  const workers: ChildApi[] = [];
  const workerEnv = () => testEnv({ PROCESS_ROLE: 'worker' });

  beforeAll(async () => {
    api = await startTestApp({ PROCESS_ROLE: 'api' });
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.process.exitCode === null) worker.process.kill('SIGKILL');
    await api?.close();
  });

  it('never leaves the invocation RUNNING, nor its processes running', async () => {
    const on = operations(api.url);
    const owner = await registerUser(api.url);
    const project = await createProject(api.url, owner.accessToken);
    const marker = `${700 + Math.floor(Math.random() * 200)}.${Date.now() % 100_000}`;
    const fn = ok(
      await on.functions.create(owner.accessToken, {
        projectId: project.id,
        name: 'slow',
        runtime: 'nodejs20',
        timeoutSeconds: 600,
        files: [
          {
            path: 'index.mjs',
            content: `import { spawn } from 'node:child_process';
export const handler = () => new Promise(() => spawn('sleep', ['${marker}'], { stdio: 'ignore' }));
`,
          },
        ],
      }),
    ).createFunction;
    const doomed = await startChildApi(workerEnv());
    workers.push(doomed);
    const queued = ok(
      await on.functions.invoke(owner.accessToken, { functionId: fn.id, payload: {}, mode: 'ASYNC' }),
    ).invokeFunction;
    await waitFor(
      async () =>
        ok(await on.functions.invocation(owner.accessToken, { id: queued.id })).invocation.status === 'RUNNING' &&
        processesWith(`sleep ${marker}`).length > 0,
      20_000,
      'the invocation to run',
    );

    doomed.process.kill('SIGKILL');
    await waitFor(async () => processesWith(`sleep ${marker}`).length === 0, 5_000, "the function's processes to die");
    workers.push(await startChildApi(workerEnv()));

    const ended = await waitFor(
      async () => {
        const current = ok(await on.functions.invocation(owner.accessToken, { id: queued.id })).invocation;
        return current.status !== 'RUNNING' ? current : undefined;
      },
      30_000,
      'another worker to notice the lost invocation',
    );
    expect(ended).toMatchObject({ status: 'FAILED', error: { type: 'WorkerLost' } });
    expect(processesWith(`sleep ${marker}`)).toEqual([]);
  }, 60_000);
});
