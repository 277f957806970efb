import type { Client } from 'graphql-ws';
import { startChildApi, type ChildApi } from './support/child-api';
import { ok, waitFor } from './support/graphql-client';
import { createProject, registerUser, type TestUser } from './support/factories';
import { TestRepository } from './support/git-repos';
import { BUILD_LOG_STREAM, operations, type BuildLogBatch, type Operations } from './support/operations';
import { startTestApp, testEnv, type TestApp } from './support/test-app';
import { LegacyClient, modernClient } from './support/ws-clients';

const LINES = 20_000;

/** Every batch of a graphql-ws subscription until it completes. */
function collectModern(client: Client, variables: Record<string, unknown>): Promise<BuildLogBatch[]> {
  const batches: BuildLogBatch[] = [];
  return new Promise((resolve, reject) => {
    client.subscribe<{ buildLogs: BuildLogBatch }>(
      { query: BUILD_LOG_STREAM, variables },
      {
        next: (value) =>
          value.errors ? reject(new Error(JSON.stringify(value.errors))) : batches.push(value.data!.buildLogs),
        error: reject,
        complete: () => resolve(batches),
      },
    );
  });
}

/** Every batch of a legacy-protocol subscription until it completes. */
async function collectLegacy(client: LegacyClient, variables: Record<string, unknown>): Promise<BuildLogBatch[]> {
  client.send({ id: '1', type: 'start', payload: { query: BUILD_LOG_STREAM, variables } });
  const batches: BuildLogBatch[] = [];
  for (;;) {
    const message = await client.expect(['data', 'complete', 'error'], 30_000);
    if (message.type === 'complete') return batches;
    if (message.type === 'error' || message.payload.errors) throw new Error(JSON.stringify(message.payload));
    batches.push(message.payload.data.buildLogs as BuildLogBatch);
  }
}

/** Checks that `batches` hold every line after `afterSeq` exactly once, in order, and end the build. */
function expectWholeLog(batches: BuildLogBatch[], afterSeq: number, lastSeq: number): void {
  const seqs = batches.flatMap((b) => b.lines.map((l) => l.seq));
  expect(seqs.length).toBe(lastSeq - afterSeq);
  expect(seqs.every((seq, i) => seq === afterSeq + 1 + i)).toBe(true);
  expect(batches.at(-1)).toMatchObject({ finished: true, status: 'SUCCEEDED', lines: [] });
  const printed = batches.flatMap((b) => b.lines.filter((l) => l.stream === 'stdout').map((l) => l.text));
  expect(printed.at(-1)).toBe(`line ${LINES}`);
}

/**
 * A build that prints 20,000 lines, run by the worker of one process, followed live from another
 * API process over both WebSocket protocols by subscribers that join in the middle.
 */
describe('following a build log live', () => {
  let worker: TestApp;
  let api: ChildApi;
  let on: Operations;
  let owner: TestUser;
  let finished: { id: string; logLines: number } | undefined;
  const repo = new TestRepository();

  beforeAll(async () => {
    worker = await startTestApp({ ALLOW_LOCAL_REPOSITORIES: 'true' });
    api = await startChildApi({ ...testEnv({ PROCESS_ROLE: 'api', ALLOW_LOCAL_REPOSITORIES: 'true' }) });
    on = operations(worker.url);
    owner = await registerUser(worker.url);
    repo.commit('Chatty', { 'index.html': '<h1>chatty</h1>' });
  });

  afterAll(async () => {
    await api?.stop();
    await worker?.close();
  });

  it('delivers every line once, in order, to subscribers joining mid-build on another process', async () => {
    const project = await createProject(worker.url, owner.accessToken);
    ok(
      await on.builds.updateSettings(owner.accessToken, {
        projectId: project.id,
        repositoryUrl: repo.dir,
        buildCommand: `seq -f 'line %g' 1 ${LINES / 2}; sleep 1; seq -f 'line %g' ${LINES / 2 + 1} ${LINES}`,
      }),
    );
    const build = ok(await on.builds.create(owner.accessToken, { projectId: project.id })).createBuild;
    // Join once the first half is stored, asking for what comes after line 1,000.
    await waitFor(
      async () => ok(await on.builds.get(owner.accessToken, { id: build.id })).build.logLines > LINES / 4,
      20_000,
      'the build to be half way',
    );

    const modern = modernClient(api.wsUrl, owner.accessToken);
    const legacy = new LegacyClient(api.wsUrl);
    await legacy.opened;
    legacy.send({ type: 'connection_init', payload: { authToken: owner.accessToken } });
    await legacy.expect(['connection_ack']);
    try {
      const [fromModern, fromLegacy] = await Promise.all([
        collectModern(modern, { buildId: build.id, afterSeq: 1_000 }),
        collectLegacy(legacy, { buildId: build.id, afterSeq: 0 }),
      ]);

      const done = ok(await on.builds.get(owner.accessToken, { id: build.id })).build;
      expect(done.status).toBe('SUCCEEDED');
      expectWholeLog(fromModern, 1_000, done.logLines);
      expectWholeLog(fromLegacy, 0, done.logLines);
      finished = done;
    } finally {
      await modern.dispose();
      legacy.close();
    }
  });

  it('replays a finished build from where the subscriber asks, then completes', async () => {
    const client = modernClient(api.wsUrl, owner.accessToken);
    try {
      const batches = await collectModern(client, { buildId: finished!.id, afterSeq: finished!.logLines - 5 });
      expectWholeLog(batches, finished!.logLines - 5, finished!.logLines);
    } finally {
      await client.dispose();
    }
  });
});
