import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { BuildSettingsService } from '../src/builds/build-settings.service';
import { codeOf, gql, ok, reasonOf, waitFor } from './support/graphql-client';
import {
  createProject,
  finishedBuild,
  FINISHED_BUILD_STATUSES,
  registerUser,
  type TestUser,
} from './support/factories';
import { git, TestRepository } from './support/git-repos';
import { operations, type Build, type Operations, type Project } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Real builds: repositories made with the git CLI, checked out and built by the worker of the test
 * app, their commands run in the bubblewrap sandbox, the outcome read back over GraphQL.
 */
describe('builds', () => {
  let api: TestApp;
  let on: Operations;
  let owner: TestUser;
  let project: Project;
  const html = new TestRepository();
  const vite = new TestRepository();

  beforeAll(async () => {
    // The worker could run several builds at once; projects' own limits decide.
    api = await startTestApp({ ALLOW_LOCAL_REPOSITORIES: 'true', BUILD_CONCURRENCY: '4' });
    on = operations(api.url);
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken);
    html.commit('A plain page', { 'index.html': '<h1>hello</h1>' });
    vite.commit('A Vite app', {
      'package.json': JSON.stringify({
        name: 'site',
        private: true,
        scripts: { build: 'mkdir -p dist && echo "<h1>built</h1>" > dist/index.html && echo compiled the site' },
        devDependencies: { vite: '^5.0.0' },
      }),
    });
  });

  afterAll(async () => {
    await api?.close();
  });

  /** Points the project at `repository` with `settings`, builds `branch`, and waits for the end. */
  async function build(
    repository: TestRepository,
    settings: Record<string, unknown> = {},
    branch = 'main',
  ): Promise<Build> {
    ok(
      await on.builds.updateSettings(owner.accessToken, {
        projectId: project.id,
        repositoryUrl: repository.dir,
        installCommand: null,
        buildCommand: null,
        outputDirectory: null,
        ...settings,
      }),
    );
    const queued = ok(await on.builds.create(owner.accessToken, { projectId: project.id, branch })).createBuild;
    expect(queued.status).toBe('QUEUED');
    return finishedBuild(api.url, owner.accessToken, queued.id, 30_000);
  }

  async function logOf(buildId: string): Promise<string[]> {
    return ok(await on.builds.logs(owner.accessToken, { buildId, first: 1000 })).buildLogs.map((l) => l.text);
  }

  it('builds a plain HTML repository with nothing to run, detected as such', async () => {
    const done = await build(html);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.commitMessage).toBe('A plain page');
    expect(done.detected).toMatchObject({ framework: 'Static HTML', buildCommand: null, outputDirectory: '.' });
    expect(done.steps.map((s) => [s.name, s.status])).toEqual([
      ['checkout', 'SUCCEEDED'],
      ['restore cache', 'SKIPPED'],
      ['install', 'SKIPPED'],
      ['build', 'SKIPPED'],
      ['save cache', 'SKIPPED'],
      ['package', 'SUCCEEDED'],
    ]);
    expect(done.cache).toMatchObject({
      status: 'SKIPPED',
      key: null,
      reason: expect.stringMatching(/^nothing to cache/),
    });
    const log = await logOf(done.id);
    expect(log).toContainEqual(expect.stringMatching(/^Checked out [0-9a-f]{12}: A plain page$/));
    expect(log).toContainEqual(expect.stringMatching(/^Detected Static HTML/));
  });

  it('detects a Vite-style project and runs its build script in the sandbox', async () => {
    // Installing packages needs the registry; the project's own install command stands in for it.
    const done = await build(vite, { installCommand: 'true' });

    expect(done.status).toBe('SUCCEEDED');
    expect(done.detected).toMatchObject({
      framework: 'Vite',
      packageManager: 'npm',
      buildCommand: 'npm run build',
      outputDirectory: 'dist',
    });
    expect(done.steps.find((s) => s.name === 'build')).toMatchObject({ status: 'SUCCEEDED', exitCode: 0 });
    const log = await logOf(done.id);
    expect(log).toContain('compiled the site');
    const seqs = ok(await on.builds.logs(owner.accessToken, { buildId: done.id, first: 1000 })).buildLogs.map(
      (l) => l.seq,
    );
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(done.logLines).toBe(seqs.length);
  });

  it('fails a build whose command fails, with the exit code and the output in its log', async () => {
    const done = await build(html, { buildCommand: 'echo something broke >&2; exit 7' });

    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('build exited with code 7');
    expect(done.steps.find((s) => s.name === 'build')).toMatchObject({ status: 'FAILED', exitCode: 7 });
    const lines = ok(await on.builds.logs(owner.accessToken, { buildId: done.id })).buildLogs;
    expect(lines).toContainEqual(expect.objectContaining({ stream: 'stderr', step: 'build', text: 'something broke' }));
  });

  it('fails with the reason for a missing branch or a missing output directory', async () => {
    const noBranch = await build(html, {}, 'no-such-branch');
    expect(noBranch.status).toBe('FAILED');
    expect(noBranch.error).toMatch(/Checkout failed: .*no-such-branch/);
    expect(noBranch.steps[0]).toMatchObject({ name: 'checkout', status: 'FAILED' });

    const noOutput = await build(html, { outputDirectory: 'dist' });
    expect(noOutput.status).toBe('FAILED');
    expect(noOutput.error).toBe('The output directory "dist" was not produced');
    expect(await logOf(noOutput.id)).toContain('The output directory "dist" was not produced');
  });

  it("publishes nothing of the worker's through links out of the checkout", async () => {
    // Files the worker can read, which builds must never reach.
    const canary = mkdtempSync(path.join(tmpdir(), 'slipway-canary-'));
    writeFileSync(path.join(canary, 'index.html'), 'worker secret');
    writeFileSync(path.join(canary, 'package.json'), JSON.stringify({ devDependencies: { vite: '1' } }));
    chmodSync(canary, 0o755);
    try {
      // The build's own command leaves a link where its output should be.
      const madeLink = await build(html, { buildCommand: `ln -s ${canary} out`, outputDirectory: 'out' });
      expect(madeLink.status).toBe('FAILED');
      expect(madeLink.error).toBe('The output directory "out" was not produced');
      expect(madeLink.deploymentId).toBeNull();

      // The repository links its root directory, or its package.json, out of the checkout.
      const linking = new TestRepository();
      linking.commit('Links out', { 'index.html': '<h1>mine</h1>' });
      symlinkSync(canary, path.join(linking.dir, 'app'));
      symlinkSync(path.join(canary, 'package.json'), path.join(linking.dir, 'package.json'));
      git(linking.dir, 'add', '--all');
      git(linking.dir, 'commit', '--quiet', '-m', 'Links');
      const linkedRoot = await build(linking, { rootDirectory: 'app' });
      expect(linkedRoot.status).toBe('FAILED');
      expect(linkedRoot.error).toBe('The root directory "app" is not in the repository');

      const linkedManifest = await build(linking, { rootDirectory: '' });
      expect(linkedManifest.status).toBe('SUCCEEDED');
      expect(linkedManifest.detected).toMatchObject({ framework: 'Static HTML' });
      const deployment = ok(await on.builds.deployment(owner.accessToken, { id: linkedManifest.deploymentId! }));
      const served = await fetch(`${api.baseUrl}${deployment.deployment.url}index.html`);
      expect(await served.text()).toBe('<h1>mine</h1>');
      expect((await fetch(`${api.baseUrl}${deployment.deployment.url}app/index.html`)).status).toBe(404);
    } finally {
      rmSync(canary, { recursive: true, force: true });
    }
  });

  it("kills a build past its timeout, which the project's limit caps, and marks it TIMED_OUT", async () => {
    const own = await createProject(api.url, owner.accessToken);
    ok(
      await on.builds.updateSettings(owner.accessToken, {
        projectId: own.id,
        repositoryUrl: html.dir,
        buildCommand: 'echo waiting; sleep 120',
        timeoutSeconds: 60,
      }),
    );
    ok(await on.settings.updateLimits(owner.accessToken, { projectId: own.id, maxBuildTimeoutSeconds: 10 }));
    const above = await on.builds.updateSettings(owner.accessToken, { projectId: own.id, timeoutSeconds: 11 });
    expect([codeOf(above), reasonOf(above), above.errors?.[0]?.message]).toEqual([
      'BAD_USER_INPUT',
      'OUT_OF_BOUNDS',
      "timeoutSeconds must be at most 10 (the project's limit, maxBuildTimeoutSeconds)",
    ]);
    const queued = ok(await on.builds.create(owner.accessToken, { projectId: own.id })).createBuild;
    const done = await finishedBuild(api.url, owner.accessToken, queued.id, 20_000);

    expect(done).toMatchObject({ status: 'TIMED_OUT', error: 'The build ran out of time during build' });
    const log = await logOf(done.id);
    expect(log).toContain("Timeout: 10 s, the project's limit (the build settings ask for 60 s)");
    expect(log.at(-1)).toBe('The build ran out of time during build');
  });

  it("holds each of a build's processes to the project's memory limit", async () => {
    const own = await createProject(api.url, owner.accessToken);
    ok(
      await on.builds.updateSettings(owner.accessToken, {
        projectId: own.id,
        repositoryUrl: html.dir,
        buildCommand: 'perl -e \'$s = "x" x 300000000; print length($s), "\\n"\'',
      }),
    );
    const buildIt = async () => {
      const queued = ok(await on.builds.create(owner.accessToken, { projectId: own.id })).createBuild;
      return finishedBuild(api.url, owner.accessToken, queued.id);
    };

    ok(await on.settings.updateLimits(owner.accessToken, { projectId: own.id, maxBuildMemoryMb: 128 }));
    const starved = await buildIt();
    ok(await on.settings.updateLimits(owner.accessToken, { projectId: own.id, maxBuildMemoryMb: 1024 }));
    const roomy = await buildIt();

    expect(starved).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/^build exited with code/) });
    expect(roomy.status).toBe('SUCCEEDED');
    expect(await logOf(roomy.id)).toContain('300000000');
  });

  it('builds a branch when its deploy hook is POSTed to, and only with the right secret', async () => {
    const hooked = await createProject(api.url, owner.accessToken);
    ok(await on.builds.updateSettings(owner.accessToken, { projectId: hooked.id, repositoryUrl: html.dir }));
    const create = `mutation ($input: CreateDeployHookInput!) { createDeployHook(input: $input) { id name branch url } }`;
    const list = `query ($projectId: ID!) { deployHooks(projectId: $projectId) { id url } }`;
    const remove = `mutation ($input: DeployHookRefInput!) { deleteDeployHook(input: $input) }`;
    const hook = ok(
      await gql(api.url, create, { input: { projectId: hooked.id, name: 'CMS', branch: 'main' } }, owner.accessToken),
    ).createDeployHook;
    expect(hook.url).toMatch(new RegExp(`^/hooks/deploy/${hook.id}/[A-Za-z0-9_-]{40,}$`));

    const triggered = await fetch(`${api.baseUrl}${hook.url}`, { method: 'POST' });
    expect(triggered.status).toBe(201);
    const { buildId } = (await triggered.json()) as { buildId: string };
    const done = await finishedBuild(api.url, owner.accessToken, buildId, 30_000);
    expect(done).toMatchObject({ projectId: hooked.id, branch: 'main', status: 'SUCCEEDED' });

    const wrongSecret = `${api.baseUrl}/hooks/deploy/${hook.id}/${'x'.repeat(43)}`;
    expect((await fetch(wrongSecret, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${api.baseUrl}/hooks/deploy/not-an-id/x`, { method: 'POST' })).status).toBe(404);
    // The secret is never shown again.
    expect(ok(await gql(api.url, list, { projectId: hooked.id }, owner.accessToken)).deployHooks).toEqual([
      { id: hook.id, url: null },
    ]);
    const outsider = await registerUser(api.url);
    expect(codeOf(await gql(api.url, remove, { input: { hookId: hook.id } }, outsider.accessToken))).toBe('FORBIDDEN');
    expect(ok(await gql(api.url, remove, { input: { hookId: hook.id } }, owner.accessToken)).deleteDeployHook).toBe(
      true,
    );
    expect((await fetch(`${api.baseUrl}${hook.url}`, { method: 'POST' })).status).toBe(404);
    const badBranch = await gql(
      api.url,
      create,
      { input: { projectId: hooked.id, name: 'x', branch: '-x' } },
      owner.accessToken,
    );
    expect(reasonOf(badBranch)).toBe('INVALID_REF');
  });

  it('runs build hooks before the install and after the build, in order, failing or going on as each says', async () => {
    const hooked = await createProject(api.url, owner.accessToken);
    ok(
      await on.builds.updateSettings(owner.accessToken, {
        projectId: hooked.id,
        repositoryUrl: html.dir,
        buildCommand: 'echo building',
      }),
    );
    const create = `mutation ($input: CreateBuildHookInput!) { createBuildHook(input: $input) { id phase order } }`;
    const add = (phase: string, command: string, order: number, continueOnError = false) =>
      gql(
        api.url,
        create,
        { input: { projectId: hooked.id, phase, command, order, continueOnError } },
        owner.accessToken,
      );
    ok(await add('PRE_BUILD', 'echo pre-two', 2));
    const first = ok(await add('PRE_BUILD', 'echo pre-one', 1)).createBuildHook;
    ok(await add('POST_BUILD', 'echo post-fails; exit 4', 1, true));
    ok(await add('POST_BUILD', 'echo post-two', 2));
    expect(reasonOf(await add('PRE_BUILD', '   ', 3))).toBe('INVALID_INPUT');

    const queued = ok(await on.builds.create(owner.accessToken, { projectId: hooked.id })).createBuild;
    const done = await finishedBuild(api.url, owner.accessToken, queued.id, 30_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.steps.map((s) => [s.name, s.status, s.exitCode])).toEqual([
      ['checkout', 'SUCCEEDED', null],
      ['restore cache', 'SKIPPED', null],
      ['pre-build 1', 'SUCCEEDED', 0],
      ['pre-build 2', 'SUCCEEDED', 0],
      ['install', 'SKIPPED', null],
      ['build', 'SUCCEEDED', 0],
      ['post-build 1', 'FAILED', 4],
      ['post-build 2', 'SUCCEEDED', 0],
      ['save cache', 'SKIPPED', null],
      ['package', 'SUCCEEDED', null],
    ]);
    const printed = (await on.builds.logs(owner.accessToken, { buildId: done.id }))
      .data!.buildLogs.filter((l) => l.stream === 'stdout')
      .map((l) => l.text);
    expect(printed).toEqual(['pre-one', 'pre-two', 'building', 'post-fails', 'post-two']);

    // A hook that does not go on after failing fails the build before its build command runs.
    const remove = `mutation ($input: BuildHookRefInput!) { deleteBuildHook(input: $input) }`;
    ok(await gql(api.url, remove, { input: { hookId: first.id } }, owner.accessToken));
    const strictHook = ok(await add('PRE_BUILD', 'exit 9', 0)).createBuildHook;
    const strict = ok(await on.builds.create(owner.accessToken, { projectId: hooked.id })).createBuild;
    const failed = await finishedBuild(api.url, owner.accessToken, strict.id, 30_000);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'pre-build 1 exited with code 9' });
    expect(failed.steps.map((s) => s.name)).not.toContain('build');

    const outsider = await registerUser(api.url);
    expect(codeOf(await gql(api.url, remove, { input: { hookId: strictHook.id } }, outsider.accessToken))).toBe(
      'FORBIDDEN',
    );
  });

  it('edits a build hook, refuses bad changes, and keeps at most 50 hooks per project', async () => {
    const hooked = await createProject(api.url, owner.accessToken);
    ok(await on.builds.updateSettings(owner.accessToken, { projectId: hooked.id, repositoryUrl: html.dir }));
    const create = `mutation ($input: CreateBuildHookInput!) { createBuildHook(input: $input) { id } }`;
    const update = `mutation ($input: UpdateBuildHookInput!) {
      updateBuildHook(input: $input) { id phase command order continueOnError }
    }`;
    const hook = ok(
      await gql<{ createBuildHook: { id: string } }>(
        api.url,
        create,
        { input: { projectId: hooked.id, phase: 'PRE_BUILD', command: 'echo before' } },
        owner.accessToken,
      ),
    ).createBuildHook;
    const changed = await gql<{ updateBuildHook: Record<string, unknown> }>(
      api.url,
      update,
      { input: { hookId: hook.id, phase: 'POST_BUILD', command: ' echo after ', continueOnError: true } },
      owner.accessToken,
    );
    expect(ok(changed).updateBuildHook).toEqual({
      id: hook.id,
      phase: 'POST_BUILD',
      command: 'echo after',
      order: 0,
      continueOnError: true,
    });
    for (const bad of [{ command: '  ' }, { order: -1 }, { phase: 'DURING' }]) {
      const response = await gql(api.url, update, { input: { hookId: hook.id, ...bad } }, owner.accessToken);
      expect([JSON.stringify(bad), codeOf(response)]).toEqual([JSON.stringify(bad), 'BAD_USER_INPUT']);
    }
    const queued = ok(await on.builds.create(owner.accessToken, { projectId: hooked.id })).createBuild;
    const done = await finishedBuild(api.url, owner.accessToken, queued.id, 30_000);
    expect(done.steps.map((s) => s.name)).toContain('post-build 1');
    expect(done.steps.map((s) => s.name)).not.toContain('pre-build 1');

    for (let i = 1; i < 50; i++) {
      ok(
        await gql(
          api.url,
          create,
          { input: { projectId: hooked.id, phase: 'PRE_BUILD', command: `echo ${i}` } },
          owner.accessToken,
        ),
      );
    }
    const tooMany = await gql(
      api.url,
      create,
      { input: { projectId: hooked.id, phase: 'PRE_BUILD', command: 'echo 51' } },
      owner.accessToken,
    );
    expect([codeOf(tooMany), reasonOf(tooMany)]).toEqual(['FORBIDDEN', 'HOOK_LIMIT_REACHED']);
  });

  it('restores the cache when the lockfiles are unchanged, and starts afresh when they change or it is cleared', async () => {
    const cached = await createProject(api.url, owner.accessToken);
    const repository = new TestRepository();
    repository.commit('An app with a lockfile', {
      'package.json': JSON.stringify({ name: 'cached', private: true }),
      'package-lock.json': '{"lockfileVersion": 3, "v": 1}',
      'index.html': '<h1>cached</h1>',
    });
    ok(
      await on.builds.updateSettings(owner.accessToken, {
        projectId: cached.id,
        repositoryUrl: repository.dir,
        // What an install leaves behind in node_modules and in a directory of the project's own.
        installCommand:
          'if [ -f node_modules/dep/index.js ]; then echo reused the modules; else mkdir -p node_modules/dep && echo "module.exports = 1" > node_modules/dep/index.js && echo installed the modules; fi',
        buildCommand:
          'cat .cache/site/seen 2>/dev/null || echo no earlier build; mkdir -p .cache/site && echo seen before > .cache/site/seen',
        outputDirectory: '.',
        cacheDirectories: ['.cache/site'],
      }),
    );
    const buildIt = async (): Promise<{ build: Build; printed: string[] }> => {
      const queued = ok(await on.builds.create(owner.accessToken, { projectId: cached.id })).createBuild;
      const done = await finishedBuild(api.url, owner.accessToken, queued.id, 30_000);
      expect(done.status).toBe('SUCCEEDED');
      const lines = ok(await on.builds.logs(owner.accessToken, { buildId: done.id, first: 1000 })).buildLogs;
      return { build: done, printed: lines.filter((l) => l.stream === 'stdout').map((l) => l.text) };
    };

    const first = await buildIt();
    expect(first.build.steps.map((s) => [s.name, s.status])).toEqual([
      ['checkout', 'SUCCEEDED'],
      ['restore cache', 'SUCCEEDED'],
      ['install', 'SUCCEEDED'],
      ['build', 'SUCCEEDED'],
      ['save cache', 'SUCCEEDED'],
      ['package', 'SUCCEEDED'],
    ]);
    expect(first.build.cache).toMatchObject({
      status: 'MISS',
      key: expect.stringMatching(/^[0-9a-f]{64}$/),
      lockfiles: ['package-lock.json'],
      directories: ['.cache/site', '.npm', 'node_modules'],
      restoredBytes: null,
    });
    expect(first.build.cache!.savedBytes).toBeGreaterThan(0);
    expect(first.printed).toEqual(['installed the modules', 'no earlier build']);

    const second = await buildIt();
    expect(second.build.cache).toMatchObject({
      status: 'HIT',
      key: first.build.cache!.key,
      restoredBytes: first.build.cache!.savedBytes,
      savedBytes: null,
    });
    expect(second.build.steps.find((s) => s.name === 'save cache')!.status).toBe('SKIPPED');
    expect(second.printed).toEqual(['reused the modules', 'seen before']);
    // The archive is gone from the workspace before the user's commands run, so it is not deployed.
    const deployed = ok(await on.builds.deployment(owner.accessToken, { id: second.build.deploymentId! })).deployment;
    expect((await fetch(`${api.baseUrl}${deployed.url}.slipway-build-cache.tar.gz`)).status).toBe(404);

    repository.commit('New dependencies', { 'package-lock.json': '{"lockfileVersion": 3, "v": 2}' });
    const third = await buildIt();
    expect(third.build.cache).toMatchObject({ status: 'MISS' });
    expect(third.build.cache!.key).not.toBe(first.build.cache!.key);
    expect(third.printed).toEqual(['installed the modules', 'no earlier build']);

    const stats = ok(await on.builds.cacheStats(owner.accessToken, { projectId: cached.id })).buildCacheStats;
    expect(stats).toMatchObject({ entries: 2, hits: 1, misses: 2 });
    expect(stats.hitRate).toBeCloseTo(1 / 3);
    expect(stats.sizeBytes).toBe(first.build.cache!.savedBytes! + third.build.cache!.savedBytes!);
    const now = Date.now();
    const figures = ok(
      await gql<{ buildStats: { cacheHitRate: number | null } }>(
        api.url,
        'query ($projectId: ID!, $from: DateTime!, $to: DateTime!) { buildStats(projectId: $projectId, from: $from, to: $to) { cacheHitRate } }',
        {
          projectId: cached.id,
          from: new Date(now - 3_600_000).toISOString(),
          to: new Date(now + 60_000).toISOString(),
        },
        owner.accessToken,
      ),
    ).buildStats;
    expect(figures.cacheHitRate).toBeCloseTo(1 / 3);

    const outsider = await registerUser(api.url);
    expect(codeOf(await on.builds.clearCache(outsider.accessToken, { projectId: cached.id }))).toBe('FORBIDDEN');
    expect(codeOf(await on.builds.cacheStats(outsider.accessToken, { projectId: cached.id }))).toBe('FORBIDDEN');
    const cleared = ok(await on.builds.clearCache(owner.accessToken, { projectId: cached.id })).clearBuildCache;
    expect(cleared).toEqual({ entries: 2, sizeBytes: stats.sizeBytes });
    expect(ok(await on.builds.cacheStats(owner.accessToken, { projectId: cached.id })).buildCacheStats).toMatchObject({
      entries: 0,
      sizeBytes: 0,
    });
    const afterClear = await buildIt();
    expect(afterClear.build.cache).toMatchObject({ status: 'MISS', key: third.build.cache!.key });
    expect(afterClear.printed).toEqual(['installed the modules', 'no earlier build']);
  });

  it('builds the pushed commit when GitHub, GitLab or Gitea says a deployed branch was pushed', async () => {
    const pushed = await createProject(api.url, owner.accessToken);
    ok(
      await on.builds.updateSettings(owner.accessToken, {
        projectId: pushed.id,
        repositoryUrl: vite.dir,
        installCommand: 'true',
      }),
    );
    ok(
      await on.settings.updateDeployment(owner.accessToken, {
        projectId: pushed.id,
        autoDeployBranches: ['staging', 'feature/*'],
      }),
    );
    const secret = ok(
      await gql(
        api.url,
        'mutation ($input: ProjectRefInput!) { rotateGitWebhookSecret(input: $input) }',
        { input: { projectId: pushed.id } },
        owner.accessToken,
      ),
    ).rotateGitWebhookSecret as string;
    const head = git(vite.dir, 'rev-parse', 'HEAD');
    const url = `${api.baseUrl}/hooks/git/${pushed.id}`;
    const send = (headers: Record<string, string>, payload: object) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(payload),
      });
    const github = (payload: object, key = secret) => {
      const body = JSON.stringify(payload);
      const signature = `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
      return fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature },
        body,
      });
    };

    const accepted = await github({ ref: 'refs/heads/main', after: head, repository: { name: 'site' } });
    expect(accepted.status).toBe(200);
    const { buildId } = (await accepted.json()) as { buildId: string };
    const done = await finishedBuild(api.url, owner.accessToken, buildId, 30_000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', branch: 'main', commitSha: head });

    expect((await github({ ref: 'refs/heads/main', after: head }, 'not-the-key')).status).toBe(404);
    expect(await (await github({ ref: 'refs/heads/experiment', after: head })).json()).toEqual({
      ignored: 'branch experiment is not deployed on push',
    });
    expect(await (await github({ ref: 'refs/tags/v1', after: head })).json()).toEqual({ ignored: 'not a branch push' });
    const gitlab = await send(
      { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': secret },
      { ref: 'refs/heads/staging', checkout_sha: head },
    );
    expect(((await gitlab.json()) as { buildId?: string }).buildId).toEqual(expect.any(String));
    const giteaBody = { ref: 'refs/heads/staging', after: head };
    const giteaSignature = createHmac('sha256', secret).update(JSON.stringify(giteaBody)).digest('hex');
    const gitea = await send({ 'x-gitea-event': 'push', 'x-gitea-signature': giteaSignature }, giteaBody);
    expect(((await gitea.json()) as { buildId?: string }).buildId).toEqual(expect.any(String));
    expect((await send({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'wrong' }, giteaBody)).status).toBe(404);
    const settings = ok(await on.builds.settings(owner.accessToken, { projectId: pushed.id })).buildSettings;
    expect(JSON.stringify(settings)).not.toContain(secret);

    // Auto-deploy branches are patterns: feature/* takes one level under feature/.
    git(vite.dir, 'branch', 'feature/login');
    const matched = await github({ ref: 'refs/heads/feature/login', after: head });
    const { buildId: featureBuild } = (await matched.json()) as { buildId: string };
    expect(await finishedBuild(api.url, owner.accessToken, featureBuild)).toMatchObject({
      status: 'SUCCEEDED',
      branch: 'feature/login',
    });
    expect(await (await github({ ref: 'refs/heads/feature/a/b', after: head })).json()).toEqual({
      ignored: 'branch feature/a/b is not deployed on push',
    });

    // Without preview deployments, only the production branch builds on push.
    ok(await on.settings.updateDeployment(owner.accessToken, { projectId: pushed.id, previewDeployments: false }));
    expect(await (await github({ ref: 'refs/heads/feature/login', after: head })).json()).toEqual({
      ignored: 'preview deployments are off',
    });
    const production = (await (await github({ ref: 'refs/heads/main', after: head })).json()) as { buildId?: string };
    expect(production.buildId).toEqual(expect.any(String));
  });

  it('moves the deployment preferences and concurrency that build settings used to hold to the project settings', async () => {
    const moved = await createProject(api.url, owner.accessToken);
    const kept = await createProject(api.url, owner.accessToken);
    const untouched = await createProject(api.url, owner.accessToken);
    ok(await on.settings.updateDeployment(owner.accessToken, { projectId: kept.id, productionBranch: 'stable' }));
    const db = await mongoose.createConnection(api.config.MONGODB_URI).asPromise();
    try {
      const buildSettings = db.collection('build_settings');
      for (const project of [moved, kept]) {
        await buildSettings.insertOne({
          _id: new Types.ObjectId(project.id),
          repositoryUrl: null,
          rootDirectory: 'site',
          productionBranch: 'trunk',
          autoDeployBranches: ['staging'],
          concurrentBuilds: 2,
        });
      }
      // What every document got on insert, chosen by no one.
      await buildSettings.insertOne({
        _id: new Types.ObjectId(untouched.id),
        repositoryUrl: null,
        rootDirectory: '',
        productionBranch: 'main',
        autoDeployBranches: [],
        concurrentBuilds: 1,
      });

      await api.app.get(BuildSettingsService).moveLegacyFields();

      expect(await on.settings.get(owner.accessToken, { projectId: moved.id })).toMatchObject({
        data: {
          projectSettings: {
            deployment: { productionBranch: 'trunk', autoDeployBranches: ['staging'] },
            limits: { concurrentBuilds: 2 },
          },
        },
      });
      // What a project set in its settings stays; the rest comes over.
      expect(await on.settings.get(owner.accessToken, { projectId: kept.id })).toMatchObject({
        data: { projectSettings: { deployment: { productionBranch: 'stable', autoDeployBranches: ['staging'] } } },
      });
      for (const project of [moved, kept, untouched]) {
        const left = await buildSettings.findOne({ _id: new Types.ObjectId(project.id) });
        expect(Object.keys(left!).sort()).toEqual(['_id', 'repositoryUrl', 'rootDirectory']);
      }
      // Defaults stay defaults: nothing is stored for them, so they follow the platform's.
      expect(await db.collection('project_settings').findOne({ _id: new Types.ObjectId(untouched.id) })).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('refuses bad settings with a clear code and keeps what was there', async () => {
    ok(
      await on.builds.updateSettings(owner.accessToken, {
        projectId: project.id,
        repositoryUrl: html.dir,
        cacheDirectories: ['.cache/kept'],
      }),
    );
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ repositoryUrl: 'ext::sh -c touch% /tmp/x' }, 'INVALID_REPOSITORY_URL'],
      [{ repositoryUrl: '--upload-pack=evil' }, 'INVALID_REPOSITORY_URL'],
      [{ rootDirectory: '../outside' }, 'INVALID_INPUT'],
      [{ timeoutSeconds: 0 }, 'INVALID_INPUT'],
      [{ timeoutSeconds: 7201 }, 'OUT_OF_BOUNDS'],
      [{ cacheDirectories: ['../up'] }, 'INVALID_INPUT'],
      [{ cacheDirectories: Array.from({ length: 21 }, (_, i) => `d${i}`) }, 'INVALID_INPUT'],
      [{ cacheDirectories: ['.'] }, 'INVALID_CACHE_DIRECTORY'],
      [{ cacheDirectories: ['vendor/.git/objects'] }, 'INVALID_CACHE_DIRECTORY'],
    ];
    for (const [change, reason] of cases) {
      const response = await on.builds.updateSettings(owner.accessToken, { projectId: project.id, ...change });
      expect([codeOf(response), reasonOf(response)]).toEqual(['BAD_USER_INPUT', reason]);
    }
    expect(ok(await on.builds.settings(owner.accessToken, { projectId: project.id })).buildSettings).toMatchObject({
      repositoryUrl: `file://${html.dir}`,
      rootDirectory: '',
      cacheDirectories: ['.cache/kept'],
    });
    const badRef = await on.builds.create(owner.accessToken, { projectId: project.id, branch: 'x..y' });
    expect(reasonOf(badRef)).toBe('INVALID_REF');
    const [anyBuild] = ok(await on.builds.list(owner.accessToken, { projectId: project.id, first: 1 })).builds.edges;
    for (const args of [{ afterSeq: -1 }, { first: 0 }, { first: 1001 }]) {
      const response = await on.builds.logs(owner.accessToken, { buildId: anyBuild!.node.id, ...args });
      expect([JSON.stringify(args), codeOf(response)]).toEqual([JSON.stringify(args), 'BAD_USER_INPUT']);
    }
    expect(reasonOf(await on.builds.get(owner.accessToken, { id: 'not-an-id' }))).toBe('INVALID_ID');
    expect(codeOf(await on.builds.cancel(owner.accessToken, { buildId: '0'.repeat(24) }))).toBe('NOT_FOUND');
  });

  it('needs a repository, and keeps builds to the project members', async () => {
    const other = await createProject(api.url, owner.accessToken);
    const none = await on.builds.create(owner.accessToken, { projectId: other.id });
    expect([codeOf(none), reasonOf(none)]).toEqual(['BAD_USER_INPUT', 'NO_REPOSITORY']);

    const outsider = await registerUser(api.url);
    const [anyBuild] = ok(await on.builds.list(owner.accessToken, { projectId: project.id, first: 1 })).builds.edges;
    expect(codeOf(await on.builds.get(outsider.accessToken, { id: anyBuild!.node.id }))).toBe('FORBIDDEN');
    expect(codeOf(await on.builds.create(outsider.accessToken, { projectId: project.id }))).toBe('FORBIDDEN');
    expect(codeOf(await on.builds.logs(outsider.accessToken, { buildId: anyBuild!.node.id }))).toBe('FORBIDDEN');
  });

  it('lists builds newest first, filtered by status', async () => {
    const failed = ok(await on.builds.list(owner.accessToken, { projectId: project.id, status: 'FAILED' })).builds;
    expect(failed.edges.length).toBeGreaterThanOrEqual(3);
    expect(failed.edges.every((e) => e.node.status === 'FAILED')).toBe(true);
  });

  it('sums up builds per period and per day', async () => {
    const stats = `query ($projectId: ID!, $from: DateTime!, $to: DateTime!) {
      buildStats(projectId: $projectId, from: $from, to: $to) {
        total successRate averageDurationMs p50DurationMs p95DurationMs averageQueueWaitMs byStatus { status count }
      }
    }`;
    const analytics = `query ($projectId: ID!, $days: Int) {
      buildAnalytics(projectId: $projectId, days: $days) { day stats { total } }
    }`;
    const send = (query: string, variables: Record<string, unknown>) =>
      gql(api.url, query, variables, owner.accessToken);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const all = ok(await on.builds.list(owner.accessToken, { projectId: project.id, first: 100 })).builds.edges;

    const figures = ok(await send(stats, { projectId: project.id, from, to })).buildStats;
    expect(figures.total).toBe(all.length);
    expect(figures.byStatus.reduce((sum: number, s: { count: number }) => sum + s.count, 0)).toBe(all.length);
    const succeeded = all.filter((e) => e.node.status === 'SUCCEEDED').length;
    const failed = all.filter((e) => ['FAILED', 'TIMED_OUT'].includes(e.node.status)).length;
    expect(figures.successRate).toBeCloseTo(succeeded / (succeeded + failed));
    expect(figures.p95DurationMs).toBeGreaterThanOrEqual(figures.p50DurationMs);
    expect(figures.averageQueueWaitMs).toBeGreaterThanOrEqual(0);

    const days = ok(await send(analytics, { projectId: project.id, days: 3 })).buildAnalytics;
    expect(days).toHaveLength(3);
    expect(days.at(-1).day.slice(0, 10)).toBe(new Date().toISOString().slice(0, 10));
    expect(days.at(-1).stats.total).toBe(all.length);

    const backwards = await send(stats, { projectId: project.id, from: to, to: from });
    expect([codeOf(backwards), reasonOf(backwards)]).toEqual(['BAD_USER_INPUT', 'INVALID_PERIOD']);
    expect(codeOf(await send(analytics, { projectId: project.id, days: 0 }))).toBe('BAD_USER_INPUT');
  });

  describe('cancel and retry', () => {
    /** Host processes whose command line contains `marker`. */
    const processesWith = (marker: string): string[] => {
      try {
        return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
      } catch {
        return [];
      }
    };

    it('stops a running build and its whole process tree within two seconds, and cancels a queued one at once', async () => {
      const marker = `${400 + Math.floor(Math.random() * 500)}.${Date.now() % 100_000}`;
      const own = await createProject(api.url, owner.accessToken);
      ok(
        await on.builds.updateSettings(owner.accessToken, {
          projectId: own.id,
          repositoryUrl: html.dir,
          buildCommand: `echo started; sleep ${marker} & sleep ${marker}`,
        }),
      );
      const running = ok(await on.builds.create(owner.accessToken, { projectId: own.id })).createBuild;
      const queued = ok(await on.builds.create(owner.accessToken, { projectId: own.id })).createBuild;
      await waitFor(async () => (await logOf(running.id)).includes('started'), 20_000, 'the build to start');
      expect(processesWith(marker).length).toBeGreaterThan(0);

      const waiting = ok(await on.builds.cancel(owner.accessToken, { buildId: queued.id })).cancelBuild;
      expect(waiting).toMatchObject({ status: 'CANCELED', error: 'Canceled before it started' });

      const before = Date.now();
      const stopped = ok(await on.builds.cancel(owner.accessToken, { buildId: running.id })).cancelBuild;
      expect(Date.now() - before).toBeLessThan(3_000);
      expect(stopped).toMatchObject({ status: 'CANCELED', error: 'The build was canceled' });
      expect(stopped.steps.find((s) => s.name === 'build')).toMatchObject({ status: 'FAILED' });
      expect(processesWith(marker)).toEqual([]);
      expect((await logOf(running.id)).at(-1)).toBe('The build was canceled');
      // The queued build never ran.
      expect(ok(await on.builds.get(owner.accessToken, { id: queued.id })).build.steps).toEqual([]);
    });

    it("runs a project's builds one at a time by default, in order, and two at a time when allowed", async () => {
      const own = await createProject(api.url, owner.accessToken);
      ok(
        await on.builds.updateSettings(owner.accessToken, {
          projectId: own.id,
          repositoryUrl: html.dir,
          buildCommand: 'sleep 0.5',
        }),
      );
      const queue = async (count: number) => {
        const ids: string[] = [];
        for (let i = 0; i < count; i++)
          ids.push(ok(await on.builds.create(owner.accessToken, { projectId: own.id })).createBuild.id);
        return ids;
      };
      const watch = async (ids: string[]) => {
        let mostRunning = 0;
        const done = await waitFor(async () => {
          const builds = await Promise.all(
            ids.map(async (id) => ok(await on.builds.get(owner.accessToken, { id })).build),
          );
          mostRunning = Math.max(mostRunning, builds.filter((b) => b.status === 'RUNNING').length);
          return builds.every((b) => FINISHED_BUILD_STATUSES.includes(b.status)) ? builds : undefined;
        }, 30_000);
        return { done, mostRunning };
      };

      const serial = await watch(await queue(3));
      expect(serial.mostRunning).toBe(1);
      expect(serial.done.map((b) => b.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
      const starts = await Promise.all(
        serial.done.map(
          async (b) =>
            (await gql(api.url, `query ($id: ID!) { build(id: $id) { startedAt } }`, { id: b.id }, owner.accessToken))
              .data!.build.startedAt as string,
        ),
      );
      expect([...starts].sort()).toEqual(starts);

      ok(await on.settings.updateLimits(owner.accessToken, { projectId: own.id, concurrentBuilds: 2 }));
      const parallel = await watch(await queue(4));
      expect(parallel.mostRunning).toBe(2);
    });

    it("lets a new build supersede the branch's builds still waiting", async () => {
      const own = await createProject(api.url, owner.accessToken);
      ok(
        await on.builds.updateSettings(owner.accessToken, {
          projectId: own.id,
          repositoryUrl: html.dir,
          buildCommand: 'sleep 1',
        }),
      );
      const running = ok(await on.builds.create(owner.accessToken, { projectId: own.id })).createBuild;
      const waiting = ok(await on.builds.create(owner.accessToken, { projectId: own.id })).createBuild;
      const latest = ok(
        await on.builds.create(owner.accessToken, { projectId: own.id, supersedeQueued: true }),
      ).createBuild;

      expect(ok(await on.builds.get(owner.accessToken, { id: waiting.id })).build).toMatchObject({
        status: 'CANCELED',
        error: `Superseded by build ${latest.id}`,
      });
      const ended = await Promise.all([running, latest].map(({ id }) => finishedBuild(api.url, owner.accessToken, id)));
      expect(ended.map((b) => b.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    });

    it('retries a finished build at the commit it checked out, and refuses to retry one still running', async () => {
      const own = await createProject(api.url, owner.accessToken);
      ok(
        await on.builds.updateSettings(owner.accessToken, {
          projectId: own.id,
          repositoryUrl: html.dir,
          buildCommand: 'exit 3',
        }),
      );
      const first = ok(await on.builds.create(owner.accessToken, { projectId: own.id })).createBuild;
      const failed = await finishedBuild(api.url, owner.accessToken, first.id);
      expect(failed.status).toBe('FAILED');
      html.commit('A newer page', { 'index.html': '<h1>newer</h1>' });
      ok(await on.builds.updateSettings(owner.accessToken, { projectId: own.id, buildCommand: null }));

      const again = ok(await on.builds.retry(owner.accessToken, { buildId: failed.id })).retryBuild;
      expect(again).toMatchObject({ retryOf: failed.id, attempt: 2, branch: 'main' });
      const done = await finishedBuild(api.url, owner.accessToken, again.id);
      expect(done).toMatchObject({ status: 'SUCCEEDED', commitSha: failed.commitSha });

      ok(await on.builds.updateSettings(owner.accessToken, { projectId: own.id, buildCommand: 'sleep 5' }));
      const slow = ok(await on.builds.create(owner.accessToken, { projectId: own.id })).createBuild;
      const refused = await on.builds.retry(owner.accessToken, { buildId: slow.id });
      expect([codeOf(refused), reasonOf(refused)]).toEqual(['CONFLICT', 'BUILD_NOT_FINISHED']);
      ok(await on.builds.cancel(owner.accessToken, { buildId: slow.id }));

      const outsider = await registerUser(api.url);
      expect(codeOf(await on.builds.cancel(outsider.accessToken, { buildId: done.id }))).toBe('FORBIDDEN');
      expect(codeOf(await on.builds.retry(outsider.accessToken, { buildId: done.id }))).toBe('FORBIDDEN');
    });
  });
});

/** A cache store too small for two projects' caches: the one used longest ago makes room. */
describe('the build cache bound', () => {
  let api: TestApp;
  let on: Operations;
  let owner: TestUser;
  const repository = new TestRepository();

  beforeAll(async () => {
    api = await startTestApp({ ALLOW_LOCAL_REPOSITORIES: 'true', BUILD_CACHE_MAX_MB: '1' });
    on = operations(api.url);
    owner = await registerUser(api.url);
    repository.commit('A Python app', { 'requirements.txt': 'flask==3.0.0\n', 'index.html': 'py' });
  });

  afterAll(async () => {
    await api?.close();
  });

  /** A project whose install leaves 700 kB that do not compress in a cached directory. */
  async function cachingProject(): Promise<Project> {
    const project = await createProject(api.url, owner.accessToken);
    ok(
      await on.builds.updateSettings(owner.accessToken, {
        projectId: project.id,
        repositoryUrl: repository.dir,
        installCommand: 'mkdir -p blob && head -c 700000 /dev/urandom > blob/data',
        outputDirectory: '.',
        cacheDirectories: ['blob'],
      }),
    );
    return project;
  }

  async function cacheOf(project: Project): Promise<string> {
    const queued = ok(await on.builds.create(owner.accessToken, { projectId: project.id })).createBuild;
    const done = await finishedBuild(api.url, owner.accessToken, queued.id, 30_000);
    expect(done.status).toBe('SUCCEEDED');
    return done.cache!.status;
  }

  const entries = async (project: Project): Promise<number> =>
    ok(await on.builds.cacheStats(owner.accessToken, { projectId: project.id })).buildCacheStats.entries;

  it('evicts the entry used longest ago when a new one does not fit', async () => {
    const first = await cachingProject();
    const second = await cachingProject();

    expect(await cacheOf(first)).toBe('MISS');
    expect(await cacheOf(first)).toBe('HIT');
    expect(await entries(first)).toBe(1);
    expect(await cacheOf(second)).toBe('MISS');
    expect([await entries(first), await entries(second)]).toEqual([0, 1]);
    expect(await cacheOf(first)).toBe('MISS');
    expect([await entries(first), await entries(second)]).toEqual([1, 0]);
  });

  it("removes a deleted project's cache from the disk", async () => {
    const project = await cachingProject();
    expect(await cacheOf(project)).toBe('MISS');
    const directory = path.join(api.config.STORAGE_DIR, 'build-cache', project.id);
    expect(readdirSync(directory)).toHaveLength(1);

    ok(await on.projects.delete(owner.accessToken, { id: project.id }));
    await waitFor(async () => readdirSync(directory).length === 0, 5_000);
  });
});
