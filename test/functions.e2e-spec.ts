import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assignRole, createProject, registerUser, type TestUser } from './support/factories';
import { codeOf, ok, reasonOf, waitFor } from './support/graphql-client';
import { operations, type FunctionInvocation, type Operations, type Project } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';
import { FunctionInvokerService } from '../src/functions/function-invoker.service';
import { FunctionRuntimesService } from '../src/functions/function-runtimes.service';
import { firstWhileTriggering, modernClient, subscribeModern } from './support/ws-clients';

const NODE_ECHO = `
let calls = 0;
console.log('loaded');
export const handler = async (event, context) => {
  calls += 1;
  console.log('event', JSON.stringify(event));
  return { calls, event, name: context.functionName, version: context.functionVersion, greeting: process.env.GREETING ?? null };
};
`;

/**
 * Functions on Node.js, end to end: versions, sync and async invocations in the sandbox, warm
 * instances, limits, triggers and the boundaries between a function and the platform.
 */
describe('functions', () => {
  let api: TestApp;
  let on: Operations;
  let owner: TestUser;
  let project: Project;
  const canaryDir = mkdtempSync(path.join(tmpdir(), 'slipway-fn-canary-'));
  const canary = path.join(canaryDir, 'secret.txt');

  beforeAll(async () => {
    writeFileSync(canary, 'the worker can read this');
    process.env.SLIPWAY_PLATFORM_CANARY = 'platform-secret-value';
    // Small caps, so that the limits can be reached with small payloads.
    api = await startTestApp({
      FUNCTION_MAX_PAYLOAD_BYTES: '4096',
      FUNCTION_MAX_RESULT_BYTES: '4096',
      FUNCTION_MAX_LOG_BYTES: '2048',
    });
    on = operations(api.url);
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken);
  });

  afterAll(async () => {
    delete process.env.SLIPWAY_PLATFORM_CANARY;
    await api?.close();
    rmSync(canaryDir, { recursive: true, force: true });
  });

  const create = async (name: string, files: Record<string, string>, extra: Record<string, unknown> = {}) =>
    ok(
      await on.functions.create(owner.accessToken, {
        projectId: project.id,
        name,
        runtime: 'nodejs20',
        handler: 'index.handler',
        files: Object.entries(files).map(([p, content]) => ({ path: p, content })),
        ...extra,
      }),
    ).createFunction;

  const invoke = async (functionId: string, payload: unknown = {}): Promise<FunctionInvocation> =>
    ok(await on.functions.invoke(owner.accessToken, { functionId, payload })).invokeFunction;

  it('runs a handler synchronously: cold first, then warm in the same process, with its logs and costs', async () => {
    const fn = await create('echo', { 'index.mjs': NODE_ECHO }, { env: [{ key: 'GREETING', value: 'hello' }] });
    expect(fn).toMatchObject({ runtime: 'nodejs20', activeVersion: 1, enabled: true, envKeys: ['GREETING'] });

    const first = await invoke(fn.id, { n: 1 });
    expect(first).toMatchObject({ status: 'SUCCEEDED', coldStart: true, trigger: 'API', mode: 'SYNC', version: 1 });
    expect(first.result).toEqual({ calls: 1, event: { n: 1 }, name: 'echo', version: 1, greeting: 'hello' });
    expect(first.logs.map((l) => l.text)).toEqual(['loaded', 'event {"n":1}']);
    expect(first.coldStartMs).toBeGreaterThan(0);
    expect(first.peakMemoryBytes).toBeGreaterThan(1024 * 1024);
    expect(first.cpuTimeMs).not.toBeNull();

    const second = await invoke(fn.id, { n: 2 });
    expect(second).toMatchObject({ status: 'SUCCEEDED', coldStart: false, coldStartMs: null });
    expect(second.result).toMatchObject({ calls: 2 });
    expect(second.logs.map((l) => l.text)).toEqual(['event {"n":2}']);
  });

  it("reports a thrown error with the user's own stack", async () => {
    const fn = await create('thrower', {
      'index.js': 'exports.handler = async () => {\n  throw new RangeError("out of range: 42");\n};\n',
    });
    const run = await invoke(fn.id);
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatchObject({ type: 'RangeError', message: 'out of range: 42' });
    expect(run.error!.stack).toContain('/var/task/index.js:2');
  });

  it('stops an invocation at its timeout and reports TIMED_OUT', async () => {
    const fn = await create(
      'sleeper',
      { 'index.mjs': 'export const handler = () => new Promise(() => {});\n' },
      { timeoutSeconds: 1 },
    );
    const run = await invoke(fn.id);
    expect(run).toMatchObject({ status: 'TIMED_OUT', error: { type: 'Timeout' } });
    // Node's timers count whole milliseconds: the kill can come a fraction early.
    expect(run.durationMs).toBeGreaterThanOrEqual(990);
    expect(run.durationMs).toBeLessThan(5000);
  });

  it('reports MEMORY_LIMIT_EXCEEDED when the function allocates past its memory', async () => {
    const fn = await create(
      'hog',
      {
        'index.mjs':
          'export const handler = () => { const keep = []; for (;;) keep.push(Buffer.alloc(8 << 20, 1)); };\n',
      },
      { memoryMb: 128 },
    );
    const run = await invoke(fn.id);
    expect(run.status).toBe('MEMORY_LIMIT_EXCEEDED');
    expect(run.error!.message).toContain('128 MB');
  });

  it('reports MEMORY_LIMIT_EXCEEDED for a JavaScript heap full of objects too, and runs in 64 MB', async () => {
    const fn = await create(
      'object-hog',
      {
        'index.mjs':
          'export const handler = (e) => { if (e.small) return "fits"; const keep = []; for (;;) keep.push({ a: [1, 2, 3], s: "x" + keep.length }); };\n',
      },
      { memoryMb: 128 },
    );
    const run = await invoke(fn.id, {});
    expect([run.status, run.error?.message]).toEqual(['MEMORY_LIMIT_EXCEEDED', expect.stringContaining('128 MB')]);
    expect(run.error!.stack).toMatch(/heap out of memory/);

    const small = await create('small', { 'index.mjs': 'export const handler = () => "fits";\n' }, { memoryMb: 64 });
    expect(await invoke(small.id)).toMatchObject({ status: 'SUCCEEDED', result: 'fits' });
  });

  it('versions code by content, deploys and rolls back', async () => {
    const fn = await create('versions', { 'index.mjs': 'export const handler = () => "v1";\n' });
    const v2 = ok(
      await on.functions.updateCode(owner.accessToken, {
        functionId: fn.id,
        files: [{ path: 'index.mjs', content: 'export const handler = () => "v2";\n' }],
      }),
    ).updateFunctionCode;
    expect(v2).toMatchObject({ number: 2, active: false });
    expect((await invoke(fn.id)).result).toBe('v1');

    const same = ok(
      await on.functions.updateCode(owner.accessToken, {
        functionId: fn.id,
        files: [{ path: 'index.mjs', content: 'export const handler = () => "v2";\n' }],
      }),
    ).updateFunctionCode;
    expect(same).toMatchObject({ id: v2.id, number: 2, hash: v2.hash });

    ok(await on.functions.deploy(owner.accessToken, { functionId: fn.id, versionId: v2.id }));
    expect((await invoke(fn.id)).result).toBe('v2');

    const back = ok(await on.functions.rollback(owner.accessToken, { functionId: fn.id })).rollbackFunction;
    expect(back.activeVersion).toBe(1);
    expect((await invoke(fn.id)).result).toBe('v1');
    const none = await on.functions.rollback(owner.accessToken, { functionId: fn.id });
    expect(reasonOf(none)).toBe('NOTHING_TO_ROLL_BACK');

    const versions = ok(await on.functions.versions(owner.accessToken, { functionId: fn.id })).functionVersions;
    expect(versions.edges.map((e) => [e.node.number, e.node.active])).toEqual([
      [2, false],
      [1, true],
    ]);
  });

  it('queues an async invocation that a worker runs, reported by invocation and invocationCompleted', async () => {
    const fn = await create('later', { 'index.mjs': 'export const handler = async (e) => ({ doubled: e.n * 2 });\n' });
    const client = modernClient(api.wsUrl, owner.accessToken, { lazy: false });
    const received = subscribeModern<{ invocationCompleted: FunctionInvocation }>(
      client,
      'subscription ($functionId: ID!) { invocationCompleted(functionId: $functionId) { id status trigger result } }',
      { functionId: fn.id },
    );
    try {
      // The subscription registers asynchronously: sync invocations until it sees one.
      const seen = await firstWhileTriggering(received, () => invoke(fn.id, { n: 1 }));
      expect(seen?.invocationCompleted).toMatchObject({ status: 'SUCCEEDED', result: { doubled: 2 } });

      const queued = ok(
        await on.functions.invoke(owner.accessToken, { functionId: fn.id, payload: { n: 21 }, mode: 'ASYNC' }),
      ).invokeFunction;
      expect(queued).toMatchObject({ status: 'QUEUED', mode: 'ASYNC' });
      const done = await waitFor(async () => {
        const current = ok(await on.functions.invocation(owner.accessToken, { id: queued.id })).invocation;
        return current.status === 'SUCCEEDED' ? current : undefined;
      });
      expect(done.result).toEqual({ doubled: 42 });
      let pushed = await received.next(5_000);
      while (pushed.invocationCompleted.id !== queued.id) pushed = await received.next(5_000);
      expect(pushed.invocationCompleted).toMatchObject({ status: 'SUCCEEDED', result: { doubled: 42 } });
    } finally {
      received.close();
      await client.dispose();
    }
  });

  it('refuses invocations of a disabled function with FUNCTION_DISABLED, and runs them again once enabled', async () => {
    const fn = await create('switch', { 'index.mjs': 'export const handler = () => "on";\n' });
    ok(await on.functions.toggle(owner.accessToken, { functionId: fn.id, enabled: false }));
    const refused = await on.functions.invoke(owner.accessToken, { functionId: fn.id, payload: {} });
    expect(codeOf(refused)).toBe('CONFLICT');
    expect(reasonOf(refused)).toBe('FUNCTION_DISABLED');
    ok(await on.functions.toggle(owner.accessToken, { functionId: fn.id, enabled: true }));
    expect((await invoke(fn.id)).result).toBe('on');
  });

  it('caps the payload, the result and the output of an invocation', async () => {
    const fn = await create('chatty', {
      'index.mjs': `export const handler = (event) => {
  for (let i = 0; i < 200; i++) console.log('line ' + i + ' ' + 'x'.repeat(40));
  return event.big ? 'y'.repeat(10000) : 'small';
};
`,
    });
    const tooBig = await on.functions.invoke(owner.accessToken, {
      functionId: fn.id,
      payload: { pad: 'p'.repeat(5000) },
    });
    expect([codeOf(tooBig), reasonOf(tooBig)]).toEqual(['BAD_USER_INPUT', 'PAYLOAD_TOO_LARGE']);

    const chatty = await invoke(fn.id, {});
    expect(chatty).toMatchObject({ status: 'SUCCEEDED', result: 'small', logsTruncated: true });
    const kept = chatty.logs.reduce((total, line) => total + Buffer.byteLength(line.text) + 1, 0);
    expect(kept).toBeLessThanOrEqual(2048);
    expect(chatty.logs[0]!.text).toMatch(/^line 0 /);

    const large = await invoke(fn.id, { big: true });
    expect(large).toMatchObject({ status: 'FAILED', result: null, error: { type: 'ResultTooLarge' } });
    // The next invocation is served as usual.
    expect((await invoke(fn.id, {})).result).toBe('small');
  });

  it('leaves nothing running once an invocation is abandoned at its timeout', async () => {
    const marker = String(9_000 + Math.floor(Math.random() * 900));
    const fn = await create(
      'leaver',
      {
        'index.mjs': `import { spawn } from 'node:child_process';
export const handler = () => {
  spawn('sleep', ['${marker}.5'], { detached: true, stdio: 'ignore' }).unref();
  return new Promise(() => setInterval(() => {}, 1000));
};
`,
      },
      { timeoutSeconds: 1 },
    );
    const running = (): boolean => {
      try {
        return (
          execFileSync('pgrep', ['-f', `sleep ${marker}.5`])
            .toString()
            .trim().length > 0
        );
      } catch {
        return false;
      }
    };
    const run = await invoke(fn.id);
    expect(run.status).toBe('TIMED_OUT');
    await waitFor(async () => !running() || undefined, 5_000, 'the abandoned child to be gone');
    expect(running()).toBe(false);
  });

  it('keeps test runs apart from production figures, and reports metrics and daily and hourly analytics', async () => {
    const fn = await create('measured', {
      'index.mjs': 'export const handler = (e) => { if (e.fail) throw new Error("asked to fail"); return "ok"; };\n',
    });
    await invoke(fn.id, {});
    await invoke(fn.id, {});
    await invoke(fn.id, { fail: true });
    const tested = ok(
      await on.functions.test(owner.accessToken, {
        functionId: fn.id,
        payload: { n: 1 },
        files: [{ path: 'index.mjs', content: 'export const handler = (e) => ({ testing: e.n });\n' }],
      }),
    ).testFunction;
    expect(tested).toMatchObject({ trigger: 'TEST', status: 'SUCCEEDED', result: { testing: 1 }, version: null });
    // A test of other code stores no version and leaves the live one alone.
    expect(ok(await on.functions.get(owner.accessToken, { id: fn.id })).function.latestVersion).toBe(1);
    expect((await invoke(fn.id, {})).result).toBe('ok');

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const metrics = ok(await on.functions.metrics(owner.accessToken, { functionId: fn.id, from, to })).functionMetrics;
    expect(metrics).toMatchObject({ invocations: 4, errors: 1, coldStarts: 1 });
    expect(metrics.errorRate).toBeCloseTo(0.25);
    expect(metrics.coldStartRate).toBeCloseTo(0.25);
    expect(metrics.p50DurationMs).toBeGreaterThan(0);

    const analytics = ok(
      await on.functions.analytics(owner.accessToken, { functionId: fn.id, days: 3 }),
    ).functionAnalytics;
    expect(analytics.daily).toHaveLength(3);
    expect(analytics.daily[2]!.metrics.invocations).toBe(4);
    expect(analytics.hourly).toHaveLength(24);
    expect(analytics.hourly[23]!.metrics.invocations).toBe(4);

    const failures = ok(
      await on.functions.logs(owner.accessToken, { functionId: fn.id, status: 'FAILED' }),
    ).executionLogs;
    expect(failures.edges.map((e) => e.node.error?.message)).toEqual(['asked to fail']);
  });

  it("announces function.deployed, function.invoked and function.failed, and keeps variables' values out of the audit log", async () => {
    const watcher = await create(
      'watcher',
      { 'index.mjs': 'export const handler = (e) => ({ saw: e.name, version: e.payload.version });\n' },
      { eventTriggers: ['function.deployed'] },
    );
    const fn = await create(
      'announced',
      { 'index.mjs': 'export const handler = () => 1;\n' },
      {
        env: [{ key: 'API_KEY', value: 'sk_fn_secret_value_123' }],
      },
    );
    const seen = await waitFor(async () => {
      const page = ok(
        await on.functions.logs(owner.accessToken, { functionId: watcher.id, trigger: 'EVENT' }),
      ).executionLogs;
      return page.edges.find((e) => e.node.status === 'SUCCEEDED')?.node;
    });
    expect(seen.result).toEqual({ saw: 'function.deployed', version: 1 });

    const client = modernClient(api.wsUrl, owner.accessToken, { lazy: false });
    const events = subscribeModern<{ projectEvents: { name: string; payload: { functionId?: string } } }>(
      client,
      'subscription ($projectId: ID!) { projectEvents(projectId: $projectId) { name payload } }',
      { projectId: project.id },
    );
    try {
      const first = await firstWhileTriggering(events, () => invoke(fn.id));
      const names = [first!.projectEvents.name];
      ok(
        await on.functions.updateCode(owner.accessToken, {
          functionId: fn.id,
          files: [{ path: 'index.mjs', content: 'export const handler = () => { throw new Error("x"); };\n' }],
          deploy: true,
        }),
      );
      await invoke(fn.id);
      for (let i = 0; i < 10 && !names.includes('function.failed'); i++)
        names.push((await events.next()).projectEvents.name);
      expect(names).toEqual(expect.arrayContaining(['function.invoked', 'function.deployed', 'function.failed']));
    } finally {
      events.close();
      await client.dispose();
    }

    const audit = ok(
      await on.audit.logs(owner.accessToken, { projectId: project.id, operation: 'mutation.createFunction' }),
    ).auditLogs;
    expect(audit.edges.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit)).not.toContain('sk_fn_secret_value_123');
    const view = ok(await on.functions.get(owner.accessToken, { id: fn.id })).function;
    expect(JSON.stringify(view)).not.toContain('sk_fn_secret_value_123');
    expect(view.envKeys).toEqual(['API_KEY']);
  });

  it('starts spares at boot for the runtimes, network modes and memory sizes enabled functions use', async () => {
    await create('boot-kind', { 'index.mjs': 'export const handler = () => 1;\n' }, { memoryMb: 320, network: 'NONE' });
    const runtimes = api.app.get(FunctionRuntimesService);
    const kind = { runtime: runtimes.require('nodejs20'), network: false, memoryMb: 320 };
    expect(runtimes.pool.sparesOf(kind)).toBe(0);
    await api.app.get(FunctionInvokerService).onApplicationBootstrap();
    expect(runtimes.pool.sparesOf(kind)).toBe(1);
  });

  describe('triggers', () => {
    const HTTP_SOURCE = `export const handler = async (event) => {
  if (event.path === '/teapot') return { statusCode: 418, body: 'short and stout',
    headers: { 'x-kind': 'teapot', 'content-security-policy': 'default-src *', 'content-type': 'text/html' } };
  return { method: event.method, path: event.path, query: event.query, body: event.body,
    sawAuthorization: 'authorization' in event.headers, contentType: event.headers['content-type'] ?? null };
};
`;

    it('answers HTTP requests on /fn/<project>/<name>: the request is the event, the result the response', async () => {
      const fn = await create('web', { 'index.mjs': HTTP_SOURCE }, { httpEnabled: true });
      expect(fn.http).toMatchObject({ enabled: true, auth: 'PUBLIC', path: `/fn/${project.id}/web` });
      const response = await fetch(`${api.baseUrl}/fn/${project.id}/web/items/7?tag=a&tag=b`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', authorization: 'Bearer not-for-the-function' },
        body: 'hello body',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-slipway-invocation-id')).toMatch(/^[0-9a-f]{24}$/);
      expect(await response.json()).toEqual({
        method: 'POST',
        path: '/items/7',
        query: { tag: ['a', 'b'] },
        body: 'hello body',
        sawAuthorization: false,
        contentType: 'text/plain',
      });
      // Whatever it answers, its page gets an origin of its own: no script of it reads the API origin's storage.
      expect(response.headers.get('content-security-policy')).toMatch(/^sandbox /);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const teapot = await fetch(`${api.baseUrl}/fn/${project.slug}/web/teapot`);
      expect([teapot.status, teapot.headers.get('x-kind'), await teapot.text()]).toEqual([
        418,
        'teapot',
        'short and stout',
      ]);

      const logs = ok(await on.functions.logs(owner.accessToken, { functionId: fn.id, trigger: 'HTTP' })).executionLogs;
      expect(logs.totalCount).toBe(2);
    });

    it('keeps a TOKEN HTTP trigger for callers holding function:invoke, and answers 404 when the trigger is off', async () => {
      const fn = await create('private-web', { 'index.mjs': HTTP_SOURCE }, { httpEnabled: true, httpAuth: 'TOKEN' });
      const url = `${api.baseUrl}/fn/${project.id}/private-web`;
      const anonymous = await fetch(url);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
      const viewer = await registerUser(api.url);
      await assignRole(api.url, owner.accessToken, { userId: viewer.id, projectId: project.id, roleId: 'viewer' });
      expect((await fetch(url, { headers: { authorization: `Bearer ${viewer.accessToken}` } })).status).toBe(403);
      const allowed = await fetch(url, { headers: { authorization: `Bearer ${owner.accessToken}` } });
      expect(allowed.status).toBe(200);
      expect(((await allowed.json()) as { sawAuthorization: boolean }).sawAuthorization).toBe(false);

      ok(await on.functions.update(owner.accessToken, { functionId: fn.id, httpEnabled: false }));
      expect((await fetch(url, { headers: { authorization: `Bearer ${owner.accessToken}` } })).status).toBe(404);
      expect((await fetch(`${api.baseUrl}/fn/${project.id}/no-such-function`)).status).toBe(404);
    });

    it('answers 502 with the reason when the function fails, and 403 when it is disabled', async () => {
      const fn = await create(
        'broken-web',
        { 'index.mjs': 'export const handler = () => { throw new Error("nope"); };' },
        {
          httpEnabled: true,
        },
      );
      const failed = await fetch(`${api.baseUrl}/fn/${project.id}/broken-web`);
      expect(failed.status).toBe(502);
      expect(await failed.json()).toEqual({ error: { code: 'FAILED', message: 'nope' } });
      ok(await on.functions.toggle(owner.accessToken, { functionId: fn.id, enabled: false }));
      const disabled = await fetch(`${api.baseUrl}/fn/${project.id}/broken-web`);
      expect(disabled.status).toBe(403);
      expect(((await disabled.json()) as { error: { code: string } }).error.code).toBe('FUNCTION_DISABLED');
    });

    it('fires on its cron schedule, on a worker, and stops once the schedule is removed', async () => {
      const fn = await create(
        'ticker',
        { 'index.mjs': 'export const handler = (event, context) => ({ tick: context.invocationId });\n' },
        { schedules: [{ cron: '* * * * * *', timezone: 'Europe/Paris' }] },
      );
      expect(fn.schedules).toEqual([{ cron: '* * * * * *', timezone: 'Europe/Paris' }]);
      const fired = await waitFor(
        async () => {
          const page = ok(
            await on.functions.logs(owner.accessToken, { functionId: fn.id, trigger: 'CRON', status: 'SUCCEEDED' }),
          ).executionLogs;
          return page.totalCount >= 2 ? page : undefined;
        },
        15_000,
        'two cron invocations',
      );
      expect(fired.edges[0]!.node).toMatchObject({ trigger: 'CRON', mode: 'ASYNC', status: 'SUCCEEDED' });

      ok(await on.functions.update(owner.accessToken, { functionId: fn.id, schedules: [] }));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const settled = ok(await on.functions.logs(owner.accessToken, { functionId: fn.id, trigger: 'CRON' }))
        .executionLogs.totalCount;
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const after = ok(await on.functions.logs(owner.accessToken, { functionId: fn.id, trigger: 'CRON' })).executionLogs
        .totalCount;
      expect(after).toBe(settled);
    });

    it('is invoked by the platform events it listens to, with the event as its payload', async () => {
      const fn = await create(
        'on-update',
        { 'index.mjs': 'export const handler = (event) => ({ got: event.name, project: event.projectId });\n' },
        { eventTriggers: ['project.updated'] },
      );
      ok(await on.projects.update(owner.accessToken, { id: project.id, name: 'Renamed for the trigger' }));
      const run = await waitFor(async () => {
        const page = ok(
          await on.functions.logs(owner.accessToken, { functionId: fn.id, trigger: 'EVENT' }),
        ).executionLogs;
        const node = page.edges[0]?.node;
        return node?.status === 'SUCCEEDED' ? node : undefined;
      });
      expect(run.result).toEqual({ got: 'project.updated', project: project.id });
    });
  });

  describe('isolation', () => {
    it("cannot read the platform's environment, a file the worker can read, or the platform's processes", async () => {
      const fn = await create('snoop', {
        'index.mjs': `import { readFileSync, readdirSync } from 'node:fs';
export const handler = () => {
  const read = (p) => { try { return readFileSync(p, 'utf8'); } catch (e) { return 'denied:' + e.code; } };
  return {
    env: Object.keys(process.env).sort(),
    canary: process.env.SLIPWAY_PLATFORM_CANARY ?? null,
    file: read(${JSON.stringify(canary)}),
    platform: read(${JSON.stringify(path.resolve('package.json'))}),
    pids: readdirSync('/proc').filter((d) => /^\\d+$/.test(d)).length,
  };
};
`,
      });
      const run = await invoke(fn.id);
      expect(run.status).toBe('SUCCEEDED');
      const result = run.result as {
        env: string[];
        canary: string | null;
        file: string;
        platform: string;
        pids: number;
      };
      expect(result.canary).toBeNull();
      expect(result.env).not.toContain('MONGODB_URI');
      expect(result.env).not.toContain('JWT_SECRET');
      expect(result.file).toMatch(/^denied:/);
      expect(result.platform).toMatch(/^denied:/);
      // Its own PID namespace: the sandbox's init and the runtime, nothing of the host.
      expect(result.pids).toBeLessThanOrEqual(3);
    });

    it('with network NONE cannot open a connection to a loopback server', async () => {
      const server: Server = createServer((socket) => socket.end('hello'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      try {
        const source = `import net from 'node:net';
export const handler = () => new Promise((resolve) => {
  const socket = net.connect(${port}, '127.0.0.1');
  socket.on('data', (d) => resolve('connected:' + d));
  socket.on('error', (e) => resolve('refused:' + e.code));
});
`;
        const closed = await create('offline', { 'index.mjs': source }, { network: 'NONE' });
        expect((await invoke(closed.id)).result).toMatch(/^refused:/);
        const open = await create('online', { 'index.mjs': source }, { network: 'INTERNET' });
        expect((await invoke(open.id)).result).toBe('connected:hello');
      } finally {
        server.close();
      }
    });
  });

  describe('bad input', () => {
    it('refuses an unavailable runtime, a bad name, a duplicate name and out-of-bounds limits, storing nothing', async () => {
      const base = {
        projectId: project.id,
        files: [{ path: 'index.mjs', content: 'export const handler = () => 1;' }],
      };
      const cases: Array<[Record<string, unknown>, string, string | undefined]> = [
        [{ ...base, name: 'r1', runtime: 'cobol85' }, 'BAD_USER_INPUT', 'RUNTIME_UNAVAILABLE'],
        [{ ...base, name: 'Bad Name' }, 'BAD_USER_INPUT', undefined],
        [{ ...base, name: 'r2', memoryMb: 1_000_000 }, 'BAD_USER_INPUT', 'OUT_OF_BOUNDS'],
        [{ ...base, name: 'r3', files: [{ path: '../escape.js', content: '' }] }, 'BAD_USER_INPUT', undefined],
        [{ ...base, name: 'r4', schedules: [{ cron: 'every minute' }] }, 'BAD_USER_INPUT', 'INVALID_SCHEDULE'],
        [{ ...base, name: 'r5', eventTriggers: ['function.failed'] }, 'BAD_USER_INPUT', 'INVALID_EVENT_PATTERN'],
      ];
      for (const [input, code, reason] of cases) {
        const response = await on.functions.create(owner.accessToken, input);
        expect([input.name, codeOf(response)]).toEqual([input.name, code]);
        if (reason) expect([input.name, reasonOf(response)]).toEqual([input.name, reason]);
      }
      await create('taken', { 'index.mjs': 'export const handler = () => 1;' });
      const dup = await on.functions.create(owner.accessToken, { ...base, name: 'taken' });
      expect(reasonOf(dup)).toBe('NAME_TAKEN');
      const names = ok(
        await on.functions.list(owner.accessToken, { projectId: project.id, first: 100 }),
      ).functions.edges.map((e) => e.node.name);
      expect(names.filter((n) => /^r\d$/.test(n))).toEqual([]);
    });

    it('refuses bad input on every other mutation and query with a stable code, changing nothing', async () => {
      const fn = await create('steady', { 'index.mjs': 'export const handler = () => "steady";\n' });
      const missing = '0123456789abcdef01234567';
      const checks: Array<[string, Promise<{ errors?: unknown }>, string, string | undefined]> = [
        [
          'update bad name',
          on.functions.update(owner.accessToken, { functionId: fn.id, name: 'No Spaces' }),
          'BAD_USER_INPUT',
          undefined,
        ],
        [
          'update too slow',
          on.functions.update(owner.accessToken, { functionId: fn.id, timeoutSeconds: 86_400 }),
          'BAD_USER_INPUT',
          'OUT_OF_BOUNDS',
        ],
        [
          'update bad zone',
          on.functions.update(owner.accessToken, {
            functionId: fn.id,
            schedules: [{ cron: '* * * * *', timezone: 'Mars/Base' }],
          }),
          'BAD_USER_INPUT',
          'INVALID_SCHEDULE',
        ],
        [
          'update env twice',
          on.functions.update(owner.accessToken, {
            functionId: fn.id,
            env: [
              { key: 'A', value: '1' },
              { key: 'A', value: '2' },
            ],
          }),
          'BAD_USER_INPUT',
          'INVALID_ENV',
        ],
        [
          'update unknown',
          on.functions.update(owner.accessToken, { functionId: missing, memoryMb: 256 }),
          'NOT_FOUND',
          undefined,
        ],
        [
          'code bad runtime',
          on.functions.updateCode(owner.accessToken, {
            functionId: fn.id,
            runtime: 'ruby3.2',
            files: [{ path: 'a.rb', content: '' }],
          }),
          'BAD_USER_INPUT',
          'RUNTIME_UNAVAILABLE',
        ],
        [
          'code bad handler',
          on.functions.updateCode(owner.accessToken, {
            functionId: fn.id,
            handler: '../x.y',
            files: [{ path: 'a.js', content: '' }],
          }),
          'BAD_USER_INPUT',
          'INVALID_HANDLER',
        ],
        [
          'code same path twice',
          on.functions.updateCode(owner.accessToken, {
            functionId: fn.id,
            files: [
              { path: 'a.js', content: '' },
              { path: 'a.js', content: '' },
            ],
          }),
          'BAD_USER_INPUT',
          'INVALID_FILES',
        ],
        [
          'code file and directory',
          on.functions.updateCode(owner.accessToken, {
            functionId: fn.id,
            files: [
              { path: 'lib', content: '' },
              { path: 'lib/a.js', content: '' },
            ],
          }),
          'BAD_USER_INPUT',
          'INVALID_FILES',
        ],
        [
          'code no files',
          on.functions.updateCode(owner.accessToken, { functionId: fn.id, files: [] }),
          'BAD_USER_INPUT',
          undefined,
        ],
        [
          'deploy unknown version',
          on.functions.deploy(owner.accessToken, { functionId: fn.id, versionId: missing }),
          'NOT_FOUND',
          'VERSION_NOT_FOUND',
        ],
        [
          'deploy bad id',
          on.functions.deploy(owner.accessToken, { functionId: fn.id, versionId: 'nope' }),
          'BAD_USER_INPUT',
          undefined,
        ],
        [
          'rollback unknown version',
          on.functions.rollback(owner.accessToken, { functionId: fn.id, versionId: missing }),
          'NOT_FOUND',
          'VERSION_NOT_FOUND',
        ],
        [
          'invoke bad mode',
          on.functions.invoke(owner.accessToken, { functionId: fn.id, mode: 'LATER' }),
          'BAD_USER_INPUT',
          undefined,
        ],
        ['invoke unknown', on.functions.invoke(owner.accessToken, { functionId: missing }), 'NOT_FOUND', undefined],
        [
          'test bad runtime',
          on.functions.test(owner.accessToken, {
            functionId: fn.id,
            runtime: 'cobol85',
            files: [{ path: 'a', content: '' }],
          }),
          'BAD_USER_INPUT',
          'RUNTIME_UNAVAILABLE',
        ],
        [
          'toggle unknown',
          on.functions.toggle(owner.accessToken, { functionId: missing, enabled: false }),
          'NOT_FOUND',
          undefined,
        ],
        ['delete unknown', on.functions.delete(owner.accessToken, { functionId: missing }), 'NOT_FOUND', undefined],
        [
          'metrics backwards',
          on.functions.metrics(owner.accessToken, {
            functionId: fn.id,
            from: '2026-02-01T00:00:00Z',
            to: '2026-01-01T00:00:00Z',
          }),
          'BAD_USER_INPUT',
          'INVALID_PERIOD',
        ],
        [
          'analytics too long',
          on.functions.analytics(owner.accessToken, { functionId: fn.id, days: 1000 }),
          'BAD_USER_INPUT',
          undefined,
        ],
        [
          'logs backwards',
          on.functions.logs(owner.accessToken, {
            functionId: fn.id,
            from: '2026-02-01T00:00:00Z',
            to: '2026-01-01T00:00:00Z',
          }),
          'BAD_USER_INPUT',
          'INVALID_PERIOD',
        ],
        ['invocation bad id', on.functions.invocation(owner.accessToken, { id: 'nope' }), 'BAD_USER_INPUT', undefined],
      ];
      for (const [what, pending, code, reason] of checks) {
        const response = (await pending) as Parameters<typeof codeOf>[0];
        expect([what, codeOf(response)]).toEqual([what, code]);
        if (reason) expect([what, reasonOf(response)]).toEqual([what, reason]);
      }
      const after = ok(await on.functions.get(owner.accessToken, { id: fn.id })).function;
      expect(after).toMatchObject({
        name: 'steady',
        latestVersion: 1,
        activeVersion: 1,
        timeoutSeconds: fn.timeoutSeconds,
        envKeys: [],
        schedules: [],
      });
      expect((await invoke(fn.id)).result).toBe('steady');
    });

    it('lists every runtime with whether this host has it', async () => {
      const runtimes = ok(await on.functions.runtimes(owner.accessToken)).runtimes;
      expect(runtimes.map((r) => r.id)).toEqual(
        expect.arrayContaining(['nodejs18', 'nodejs20', 'nodejs22', 'python3.9', 'python3.11', 'go1.21', 'ruby3.2']),
      );
      expect(runtimes.find((r) => r.id === 'nodejs20')).toMatchObject({
        available: true,
        version: expect.stringMatching(/^20\.\d+\.\d+$/),
      });
    });

    it("refuses someone without the project's function permissions", async () => {
      const viewer = await registerUser(api.url);
      await assignRole(api.url, owner.accessToken, { userId: viewer.id, projectId: project.id, roleId: 'viewer' });
      const fn = await create('guarded', { 'index.mjs': 'export const handler = () => 1;' });
      expect(codeOf(await on.functions.invoke(viewer.accessToken, { functionId: fn.id, payload: {} }))).toBe(
        'FORBIDDEN',
      );
      expect(ok(await on.functions.get(viewer.accessToken, { id: fn.id })).function.name).toBe('guarded');
    });
  });
});
