import { execFileSync } from 'node:child_process';
import { startChildApi, type ChildApi } from './support/child-api';
import { ok, waitFor } from './support/graphql-client';
import { createProject, registerUser } from './support/factories';
import { TestRepository } from './support/git-repos';
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
 * A worker process is SIGKILLed in the middle of a build: the build's commands die with it, and
 * another worker notices the lost build and ends it FAILED, with the reason in its log, within 30 s.
 */
describe('a worker killed in the middle of a build', () => {
  let api: TestApp;
  const workers: ChildApi[] = [];
  const repo = new TestRepository();
  const workerEnv = () => testEnv({ PROCESS_ROLE: 'worker', ALLOW_LOCAL_REPOSITORIES: 'true' });

  beforeAll(async () => {
    api = await startTestApp({ PROCESS_ROLE: 'api', ALLOW_LOCAL_REPOSITORIES: 'true' });
    repo.commit('Slow', { 'index.html': '<h1>slow</h1>' });
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.process.exitCode === null) worker.process.kill('SIGKILL');
    await api?.close();
  });

  it('never leaves the build RUNNING, nor its commands running', async () => {
    const on = operations(api.url);
    const owner = await registerUser(api.url);
    const project = await createProject(api.url, owner.accessToken);
    const marker = `${600 + Math.floor(Math.random() * 300)}.${Date.now() % 100_000}`;
    ok(
      await on.builds.updateSettings(owner.accessToken, {
        projectId: project.id,
        repositoryUrl: repo.dir,
        buildCommand: `echo started; sleep ${marker}`,
      }),
    );
    const doomed = await startChildApi(workerEnv());
    workers.push(doomed);
    const build = ok(await on.builds.create(owner.accessToken, { projectId: project.id })).createBuild;
    await waitFor(
      async () =>
        ok(await on.builds.get(owner.accessToken, { id: build.id })).build.status === 'RUNNING' &&
        processesWith(marker).length > 0,
      20_000,
      'the build to run its command',
    );

    doomed.process.kill('SIGKILL');
    await waitFor(async () => processesWith(marker).length === 0, 5_000, "the build's commands to die with the worker");
    const killedAt = Date.now();
    workers.push(await startChildApi(workerEnv()));

    const failed = await waitFor(
      async () => {
        const current = ok(await on.builds.get(owner.accessToken, { id: build.id })).build;
        return current.status !== 'RUNNING' ? current : undefined;
      },
      30_000,
      'another worker to notice the lost build',
    );
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    expect(failed).toMatchObject({
      status: 'FAILED',
      error: expect.stringMatching(/worker running this build stopped/),
    });
    const log = ok(await on.builds.logs(owner.accessToken, { buildId: build.id })).buildLogs;
    expect(log.at(-1)?.text).toMatch(/worker running this build stopped/);
    expect(log.map((l) => l.seq)).toEqual(log.map((_, i) => i + 1));
  }, 60_000);
});
