import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startChildApi, type ChildApi } from './support/child-api';
import { cliConfigDir, expireStoredAccessToken, runCli, type CliOptions, type CliRun } from './support/cli';
import { createApiToken, createProject, finishedBuild, registerUser, type TestUser } from './support/factories';
import { git, TestRepository } from './support/git-repos';
import { ok, waitFor } from './support/graphql-client';
import { operations, type Operations, type Project } from './support/operations';
import { startTestApp, testEnv, type TestApp } from './support/test-app';

/** A TCP port nothing listens on now, so the API can be started (and started again) on it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface JsonLine {
  type: string;
  [key: string]: unknown;
}

const BIN = path.resolve(__dirname, '..', 'cli', 'bin', 'slipway.js');

/**
 * A build command that prints `line 1` to `line 60`, waiting after each line of `stops` (after
 * line 30 by default) at a gate until the test opens it. The build runs in a sandbox that sees
 * only its own workspace (a `slipway-build-*` directory of the worker's temporary directory, at
 * /workspace): at its `n`th stop (from 0) it marks its workspace with a file named after this
 * gate and `n`, and waits for a second one there.
 */
function gatedBuild(stops: number[] = [30]): {
  command: string;
  waiting(stop?: number): Promise<string>;
  open(workspace: string, stop?: number): void;
} {
  const name = `gate-${randomBytes(6).toString('hex')}`;
  const parts: string[] = [];
  let from = 1;
  stops.forEach((at, n) => {
    parts.push(
      `for i in $(seq ${from} ${at}); do echo "line $i"; sleep 0.05; done`,
      `touch ${name}-${n}.waiting`,
      // At most 5 minutes, so that a test that fails never leaves the build behind for good.
      `n=0; while [ ! -e ${name}-${n}.open ] && [ $n -lt 3000 ]; do sleep 0.1; n=$((n+1)); done`,
    );
    from = at + 1;
  });
  parts.push(`for i in $(seq ${from} 60); do echo "line $i"; sleep 0.05; done`);
  return {
    command: parts.join('; '),
    async waiting(stop = 0) {
      let found: string | undefined;
      await waitFor(
        async () => {
          found = readdirSync(tmpdir())
            .filter((entry) => entry.startsWith('slipway-build-'))
            .map((entry) => path.join(tmpdir(), entry, 'src'))
            .find((dir) => existsSync(path.join(dir, `${name}-${stop}.waiting`)));
          return found !== undefined;
        },
        60_000,
        `the build to wait at its gate after line ${stops[stop]}`,
      );
      return found!;
    },
    open(workspace, stop = 0) {
      writeFileSync(path.join(workspace, `${name}-${stop}.open`), '');
    },
  };
}

/**
 * `slipway deploy`, `logs`, `deployments` and `rollback` as a user runs them: the compiled CLI as
 * a child process against an API process of its own (restarted in one test), with builds run by
 * a worker in another process, from real git repositories.
 */
describe('slipway deploy, logs and rollback', () => {
  let worker: TestApp;
  let api: ChildApi;
  let apiEnv: Record<string, string>;
  let on: Operations;
  let owner: TestUser;
  let env: Record<string, string>;

  const cli = (args: string[], options: CliOptions = {}): Promise<CliRun> =>
    runCli(args, { timeoutMs: 90_000, ...options, env: { ...env, ...options.env } });

  /** The CLI as a child process the test signals and kills (in a `finally`, should the test fail). */
  function spawnCli(
    args: string[],
    onStdout: (chunk: string) => void,
    cwd = tmpdir(),
    extraEnv: Record<string, string> = {},
  ): { exited: Promise<number | null>; stderr(): string; interrupt(): void; kill(): void } {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, NO_COLOR: '1', ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => onStdout(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    return {
      exited,
      stderr: () => stderr,
      interrupt: () => child.kill('SIGINT'),
      kill: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  }

  /** A project building `repo` (linked with `slipway link` in the checkout), with the build settings given. */
  async function linkedProject(
    repo: TestRepository,
    settings: { buildCommand?: string; outputDirectory?: string } = {},
  ): Promise<Project> {
    const project = await createProject(worker.url, owner.accessToken);
    const link = await cli(['link', project.id, '--repository', '.'], { cwd: repo.dir });
    expect(link).toMatchObject({ code: 0 });
    if (settings.buildCommand || settings.outputDirectory)
      ok(await on.builds.updateSettings(owner.accessToken, { projectId: project.id, ...settings }));
    return project;
  }

  /** Queues, with `slipway deploy --no-follow`, a build held at gates the test opens (see gatedBuild). */
  async function queueGatedBuild(
    message: string,
    stops?: number[],
  ): Promise<{ gate: ReturnType<typeof gatedBuild>; buildId: string }> {
    const repo = new TestRepository();
    repo.commit(message, { 'index.html': `<h1>${message.toLowerCase()}</h1>` });
    const gate = gatedBuild(stops);
    await linkedProject(repo, { buildCommand: gate.command });
    const queued = await cli(['deploy', '--no-follow', '--json'], { cwd: repo.dir });
    expect(queued.code).toBe(0);
    return { gate, buildId: (JSON.parse(queued.stdout) as { build: { id: string } }).build.id };
  }

  beforeAll(async () => {
    worker = await startTestApp({ ALLOW_LOCAL_REPOSITORIES: 'true' });
    on = operations(worker.url);
    apiEnv = testEnv({ PROCESS_ROLE: 'api', ALLOW_LOCAL_REPOSITORIES: 'true', PORT: String(await freePort()) });
    api = await startChildApi(apiEnv);
    owner = await registerUser(worker.url);
    env = { SLIPWAY_API_URL: api.url, SLIPWAY_CONFIG_DIR: cliConfigDir() };
    const login = await cli(['login', '--email', owner.email, '--password-stdin'], { input: `${owner.password}\n` });
    expect(login).toMatchObject({ code: 0 });
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
    await worker?.close();
  });

  describe('deploying a site', () => {
    const repo = new TestRepository();
    let project: Project;
    let first: { deploymentId: string; url: string };

    beforeAll(async () => {
      repo.commit('Version one', { 'site/index.html': '<h1>Version one</h1>' });
      project = await linkedProject(repo, {
        buildCommand: 'echo "building the site"; mkdir -p public && cp site/index.html public/ && echo "site built"',
        outputDirectory: 'public',
      });
    }, 60_000);

    it("builds the checkout's commit, prints its whole log as it comes and the deployment's URL", async () => {
      const run = await cli(['deploy'], { cwd: repo.dir });
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      const url = /Deployed (\w+) to production: (http:\/\/\S+)/.exec(run.stdout);
      expect(url).not.toBeNull();
      expect(url![2]).toBe(`${new URL(api.url).origin}/d/${url![1]}/`);
      expect(run.stdout).toContain(`Production URL: ${new URL(api.url).origin}/p/${project.id}/`);

      // Every line of the stored log, in order, with a header where the step changes.
      const builds = ok(await on.builds.list(owner.accessToken, { projectId: project.id })).builds.edges;
      const build = builds[0]!.node;
      expect(build).toMatchObject({
        status: 'SUCCEEDED',
        deploymentId: url![1],
        branch: 'main',
        commitSha: git(repo.dir, 'rev-parse', 'HEAD'),
      });
      const stored = ok(await on.builds.logs(owner.accessToken, { buildId: build.id, first: 1000 })).buildLogs;
      expect(stored.length).toBe(build.logLines);
      let from = 0;
      for (const line of stored) {
        const at = run.stdout.indexOf(line.text, from);
        expect({ line: line.text, found: at >= 0 }).toEqual({ line: line.text, found: true });
        from = at + line.text.length;
      }
      expect(run.stdout).toMatch(/^== build ==$/m);
      expect(run.stdout.indexOf('site built')).toBeLessThan(run.stdout.indexOf('Deployed '));
      expect(run.stderr).not.toContain('Warning');

      const page = await fetch(url![2]!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Version one');
      first = { deploymentId: url![1]!, url: url![2]! };
    });

    it('prints JSON lines with --json: the build, each log line, then the build and deployment', async () => {
      repo.commit('Version two', { 'site/index.html': '<h1>Version two</h1>' });
      // Changes not committed are not deployed, and the CLI says so.
      writeFileSync(path.join(repo.dir, 'site', 'draft.html'), 'not committed');
      const run = await cli(['deploy', '--json'], { cwd: repo.dir });
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/Warning: .*not committed/);
      const lines = run.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as JsonLine);
      expect(lines[0]).toMatchObject({ type: 'build', build: { status: 'QUEUED', branch: 'main' } });
      const logs = lines.filter((line) => line.type === 'log');
      expect(logs.map((line) => line.seq)).toEqual(logs.map((_, i) => i + 1));
      expect(logs.some((line) => line.text === 'site built' && line.stream === 'stdout' && line.step === 'build')).toBe(
        true,
      );
      const result = lines.at(-1)!;
      expect(lines.filter((line) => line.type === 'result')).toHaveLength(1);
      expect(result).toMatchObject({
        type: 'result',
        build: { status: 'SUCCEEDED', logLines: logs.length },
        deployment: { environment: 'PRODUCTION', isProduction: true },
      });
      const deployment = result.deployment as { id: string; url: string };
      expect(deployment.id).not.toBe(first.deploymentId);
      expect(await (await fetch(deployment.url)).text()).toContain('Version two');
      expect(await (await fetch(`${new URL(api.url).origin}/p/${project.id}/`)).text()).toContain('Version two');
    });

    it('lists the deployments, and rolls production back to the previous one', async () => {
      const listed = await cli(['deployments'], { cwd: repo.dir });
      expect(listed.code).toBe(0);
      const rows = listed.stdout.trim().split('\n').slice(1);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatch(/^\*\s+\w+\s+production\s+main/);
      expect(rows[1]).toMatch(new RegExp(`^\\s+${first.deploymentId}\\s+production`));

      // Elsewhere, the project by name; the newest first, the production one marked.
      const byName = await cli(['deployments', '--project', project.name, '--environment', 'production', '--json']);
      expect(byName.code).toBe(0);
      const { deployments } = JSON.parse(byName.stdout) as { deployments: { id: string; isProduction: boolean }[] };
      expect(deployments.map((d) => [d.id, d.isProduction])).toEqual([
        [expect.any(String), true],
        [first.deploymentId, false],
      ]);

      const human = await cli(['rollback'], { cwd: repo.dir });
      expect(human.code).toBe(0);
      expect(human.stdout).toContain(`production now serves deployment ${first.deploymentId}`);
      expect(await (await fetch(`${new URL(api.url).origin}/p/${project.id}/`)).text()).toContain('Version one');

      const production = ok(await on.builds.deployments(owner.accessToken, { projectId: project.id })).deployments;
      expect(production.edges.find((e) => e.node.isProduction)?.node.id).toBe(first.deploymentId);

      // Nothing older to go back to: the API's answer, with its code.
      const again = await cli(['rollback', '--json'], { cwd: repo.dir });
      expect(again.code).toBe(1);
      expect(JSON.parse(again.stdout)).toMatchObject({
        error: { code: 'CONFLICT', reason: 'NOTHING_TO_ROLL_BACK_TO' },
      });
      const told = await cli(['rollback'], { cwd: repo.dir });
      expect(told.code).toBe(1);
      expect(told.stderr).toMatch(/^Error \[CONFLICT\]: .+ \(reason: NOTHING_TO_ROLL_BACK_TO\)$/m);

      const promoted = await cli(['promote', production.edges[0]!.node.id, '--json'], { cwd: repo.dir });
      expect(promoted.code).toBe(0);
      expect(JSON.parse(promoted.stdout)).toMatchObject({
        deployment: { id: production.edges[0]!.node.id, isProduction: true },
      });
      const back = await cli(['rollback', '--json'], { cwd: repo.dir });
      expect(back.code).toBe(0);
      expect(JSON.parse(back.stdout)).toMatchObject({
        deployment: { id: first.deploymentId, isProduction: true, url: first.url },
      });
    });
  });

  it('deploys from CI: an API token with build and deployment scopes, --project, and a detached HEAD with --branch', async () => {
    const repo = new TestRepository();
    const commit = repo.commit('From CI', { 'index.html': '<h1>from CI</h1>' });
    const project = await linkedProject(repo);
    const token = await createApiToken(worker.url, owner.accessToken, {
      projectId: project.id,
      scopes: ['project:read', 'build:create', 'build:read', 'deployment:read'],
    });
    // A CI job: a fresh checkout at the commit (detached), no login, no link.
    const ci = mkdtempSync(path.join(tmpdir(), 'slipway-ci-'));
    git(ci, 'clone', '--quiet', repo.dir, '.');
    git(ci, 'checkout', '--quiet', '--detach', commit);
    const run = await cli(['deploy', '--project', project.slug, '--branch', 'main'], {
      cwd: ci,
      env: { SLIPWAY_TOKEN: token.secret, SLIPWAY_CONFIG_DIR: cliConfigDir() },
    });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(run.stdout).toMatch(/Deployed \w+ to production: http/);
  });

  it("fails with the build's error and exit 1 when the build fails", async () => {
    const repo = new TestRepository();
    repo.commit('Broken', { 'index.html': '<h1>never served</h1>' });
    await linkedProject(repo, { buildCommand: 'echo "about to fail"; echo "the build broke" >&2; exit 3' });
    const run = await cli(['deploy'], { cwd: repo.dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('about to fail');
    expect(run.stdout).toContain('[stderr] the build broke');
    expect(run.stderr).toMatch(/Error \[BUILD_FAILED\]: Build \w+ failed: .*3/);
    expect(run.stdout).not.toContain('Deployed');
  });

  it('follows a log to its end across a restart of the API, printing every line once and in order', async () => {
    let printedBeforeStop: number[] | undefined;
    let printedBeforeRestart: string | undefined;
    // Lines 31 to 45 are printed by the build while the API is stopped, so the follower has to
    // read them back after the restart, before the live ones (46 to 60).
    const { gate, buildId } = await queueGatedBuild('Slow', [30, 45]);

    let stdout = '';
    let apiDown = false;
    const following = spawnCli(['logs', buildId, '-f'], (chunk) => (stdout += chunk));
    let workspace: string | undefined;
    try {
      await waitFor(async () => /^line 5$/m.test(stdout), 60_000, 'the CLI to print line 5');
      workspace = await gate.waiting(0);

      // The build waits at its first gate, after line 30, while the API the CLI follows it through stops.
      expect(ok(await on.builds.get(owner.accessToken, { id: buildId })).build.status).toBe('RUNNING');
      await api.stop();
      apiDown = true;
      printedBeforeStop = [...stdout.matchAll(/^line (\d+)$/gm)].map((match) => Number(match[1]));
      gate.open(workspace, 0);
      await gate.waiting(1);
      printedBeforeRestart = stdout;
      api = await startChildApi(apiEnv);
      apiDown = false;
      gate.open(workspace, 1);

      expect(await following.exited).toBe(0);
    } finally {
      following.kill();
      // For the tests after this one, should it have failed during the outage: the API back, and
      // the build not left waiting at a gate, holding the worker.
      if (apiDown) api = await startChildApi(apiEnv);
      for (const stop of workspace ? [0, 1] : []) {
        try {
          gate.open(workspace!, stop);
        } catch {
          // The build ended and its workspace is gone: nothing waits.
        }
      }
    }
    // The build had printed lines 31 to 45 (it waited at its second gate) before the API was back,
    // and the CLI none of them: it read them back after the restart.
    expect(printedBeforeRestart).not.toMatch(/^line (3[1-9]|4\d)$/m);
    // Every line once and in order: a follower that skipped the outage's lines, or printed again
    // those it had printed before the stop, would print another list.
    const printed = stdout.split('\n').filter((line) => /^line \d+$/.test(line));
    expect(printed).toEqual(Array.from({ length: 60 }, (_, i) => `line ${i + 1}`));
    // It went on after the last line it had printed, not from the start: a resubscription from
    // line 0 would be noted as "after line 0".
    const resumed = /Reconnected: going on after line (\d+)/.exec(following.stderr());
    expect(resumed).not.toBeNull();
    const after = Number(resumed![1]);
    // The note counts the log's lines (the worker's own lines included), not the build's `line N`.
    const stored = ok(await on.builds.logs(owner.accessToken, { buildId, first: 1000 })).buildLogs;
    const seqOf = (n: number): number => stored.find((line) => line.text === `line ${n}`)!.seq;
    expect(after).toBeGreaterThanOrEqual(seqOf(Math.max(5, ...printedBeforeStop!)));
    expect(after).toBeLessThan(seqOf(31));
    expect(following.stderr()).toMatch(/reconnecting/);
    expect((await finishedBuild(worker.url, owner.accessToken, buildId)).status).toBe('SUCCEEDED');
    expect(following.stderr()).toContain(`Build ${buildId} succeeded`);
  }, 150_000);

  it('signs in again when the session expired while following, and goes on without losing a line', async () => {
    // An API of its own, and a login of its own whose access token expires while the API is down.
    const shortEnv = { ...apiEnv, PORT: String(await freePort()) };
    let short = await startChildApi(shortEnv);
    const shortCli = { SLIPWAY_API_URL: short.url, SLIPWAY_CONFIG_DIR: cliConfigDir() };
    try {
      const login = await cli(['login', '--email', owner.email, '--password-stdin'], {
        input: `${owner.password}\n`,
        env: shortCli,
      });
      expect(login.code).toBe(0);
      const { gate, buildId } = await queueGatedBuild('Waits');

      let stdout = '';
      const following = spawnCli(['logs', buildId, '-f'], (chunk) => (stdout += chunk), tmpdir(), shortCli);
      try {
        await waitFor(async () => /^line 30$/m.test(stdout), 60_000, 'the CLI to print line 30');
        const workspace = await gate.waiting();
        // The access token expires; the connection is made again and the API refuses the token.
        await short.stop();
        expireStoredAccessToken(shortCli.SLIPWAY_CONFIG_DIR, apiEnv.JWT_SECRET!);
        short = await startChildApi(shortEnv);
        gate.open(workspace);
        expect(await following.exited).toBe(0);
      } finally {
        following.kill();
      }
      expect(following.stderr()).toMatch(/Signed in again: going on after line \d+/);
      const printed = stdout.split('\n').filter((line) => /^line \d+$/.test(line));
      expect(printed).toEqual(Array.from({ length: 60 }, (_, i) => `line ${i + 1}`));
    } finally {
      await short.stop();
    }
  }, 150_000);

  it('gives up with NETWORK_ERROR after --reconnect-timeout seconds without the API', async () => {
    const { gate, buildId } = await queueGatedBuild('Waits');
    let stdout = '';
    const following = spawnCli(['logs', buildId, '-f', '--reconnect-timeout', '2'], (chunk) => (stdout += chunk));
    let workspace: string | undefined;
    try {
      await waitFor(async () => /^line 30$/m.test(stdout), 60_000, 'the CLI to print line 30');
      workspace = await gate.waiting();
      await api.stop();
      expect(await following.exited).toBe(1);
    } finally {
      following.kill();
      api = await startChildApi(apiEnv);
      if (workspace) gate.open(workspace);
    }
    expect(following.stderr()).toMatch(/Error \[NETWORK_ERROR\]: Gave up after 2 s without reaching the API/);
    expect((await finishedBuild(worker.url, owner.accessToken, buildId)).status).toBe('SUCCEEDED');
  }, 120_000);

  it('stops following at Ctrl-C, leaving the build running, and says how to follow it again', async () => {
    const repo = new TestRepository();
    repo.commit('Slow', { 'index.html': '<h1>slow</h1>' });
    await linkedProject(repo, { buildCommand: 'for i in $(seq 1 50); do echo "tick $i"; sleep 0.2; done' });
    // As a terminal's Ctrl-C does: SIGINT to the running command.
    let stdout = '';
    const child = spawnCli(['deploy'], (chunk) => (stdout += chunk), repo.dir);
    try {
      await waitFor(async () => /^tick 3$/m.test(stdout), 60_000, 'the build to print tick 3');
      child.interrupt();
      expect(await child.exited).toBe(130);
    } finally {
      child.kill();
    }
    const stderr = child.stderr();
    const buildId = /\(build (\w+)\)/.exec(stderr)![1]!;
    expect(stderr).toContain(`slipway logs ${buildId} -f`);
    expect(ok(await on.builds.get(owner.accessToken, { id: buildId })).build.status).toBe('RUNNING');
    expect((await finishedBuild(worker.url, owner.accessToken, buildId)).status).toBe('SUCCEEDED');
  }, 90_000);

  it('prints a stored log without following, and --json lines for it', async () => {
    const repo = new TestRepository();
    repo.commit('Short', { 'index.html': '<h1>short</h1>' });
    await linkedProject(repo, { buildCommand: 'seq -f "row %g" 1 5' });
    const queued = await cli(['deploy', '--detach', '--json'], { cwd: repo.dir });
    const buildId = (JSON.parse(queued.stdout) as { build: { id: string } }).build.id;
    await finishedBuild(worker.url, owner.accessToken, buildId);

    const human = await cli(['logs', buildId]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/row 1\nrow 2\nrow 3\nrow 4\nrow 5\n/);
    const lines = (await cli(['logs', buildId, '--json'])).stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as JsonLine);
    expect(lines.at(-1)).toMatchObject({ type: 'result', build: { id: buildId, status: 'SUCCEEDED' } });
    expect(lines.filter((line) => line.type === 'log').map((line) => line.text)).toEqual(
      expect.arrayContaining(['row 1', 'row 5']),
    );
  });

  describe('bad input', () => {
    it('needs a linked directory or --project (NOT_LINKED, exit 2)', async () => {
      const run = await cli(['deploy']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/Error \[NOT_LINKED\]/);
      const json = await cli(['rollback', '--json']);
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'NOT_LINKED' } });
    });

    it('needs a git checkout, or --branch, to know what to deploy', async () => {
      const project = await createProject(worker.url, owner.accessToken);
      const dir = mkdtempSync(path.join(tmpdir(), 'slipway-cli-not-git-'));
      expect(await cli(['link', project.id], { cwd: dir })).toMatchObject({ code: 0 });
      const run = await cli(['deploy'], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/Error \[NOT_A_GIT_CHECKOUT\]/);
      const builds = ok(await on.builds.list(owner.accessToken, { projectId: project.id })).builds;
      expect(builds.edges).toHaveLength(0);
    });

    it('needs --branch on a detached HEAD, and then builds the commit checked out', async () => {
      const repo = new TestRepository();
      const checkedOut = repo.commit('One', { 'index.html': 'one' });
      const head = repo.commit('Two', { 'index.html': 'two' });
      await linkedProject(repo);
      git(repo.dir, 'checkout', '--quiet', '--detach', checkedOut);
      const run = await cli(['deploy', '--no-follow'], { cwd: repo.dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/Error \[DETACHED_HEAD\]/);
      const queued = await cli(['deploy', '--no-follow', '--branch', 'main', '--json'], { cwd: repo.dir });
      expect(queued.code).toBe(0);
      const { build } = JSON.parse(queued.stdout) as { build: { id: string; branch: string } };
      expect(build.branch).toBe('main');
      const built = await finishedBuild(worker.url, owner.accessToken, build.id);
      expect(built).toMatchObject({ status: 'SUCCEEDED', commitSha: checkedOut });
      expect(built.commitSha).not.toBe(head);
    });

    it('refuses a build id that is not one (exit 2) and says a build does not exist (exit 1)', async () => {
      const malformed = await cli(['logs', 'not-a-build', '-f']);
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toMatch(/Error \[INVALID_BUILD_ID\]/);
      const unknown = await cli(['logs', '0123456789abcdef01234567', '-f']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/Error \[NOT_FOUND\]/);
    });

    it('refuses a --reconnect-timeout that is not a number of seconds above 0 (exit 2)', async () => {
      for (const value of ['0', '-5', 'soon']) {
        const logs = await cli(['logs', '0123456789abcdef01234567', '-f', '--reconnect-timeout', value]);
        expect({ value, code: logs.code }).toEqual({ value, code: 2 });
        expect(logs.stderr).toMatch(/Error \[INVALID_RECONNECT_TIMEOUT\]/);
      }
      const deploy = await cli([
        'deploy',
        '--project',
        '0123456789abcdef01234567',
        '--reconnect-timeout',
        '0',
        '--json',
      ]);
      expect(deploy.code).toBe(2);
      expect(JSON.parse(deploy.stdout)).toMatchObject({ error: { code: 'INVALID_RECONNECT_TIMEOUT' } });
    });

    it('refuses a --limit or --environment deployments cannot take', async () => {
      const project = '0123456789abcdef01234567';
      const limit = await cli(['deployments', '--project', project, '--limit', '0']);
      expect(limit.code).toBe(2);
      expect(limit.stderr).toMatch(/Error \[INVALID_LIMIT\]/);
      const environment = await cli(['deployments', '--project', project, '--environment', 'staging']);
      expect(environment.code).toBe(2);
      expect(environment.stderr).toMatch(/Error \[INVALID_ENVIRONMENT\]/);
    });

    it('refuses a --commit that is not a commit id', async () => {
      const run = await cli([
        'deploy',
        '--project',
        '0123456789abcdef01234567',
        '--branch',
        'main',
        '--commit',
        'HEAD~1',
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/Error \[INVALID_COMMIT\]/);
    });
  });
});
