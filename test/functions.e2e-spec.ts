import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assignRole, createProject, registerUser, type TestUser } from './support/factories';
import { codeOf, ok, reasonOf, waitFor } from './support/graphql-client';
import { operations, type FunctionInvocation, type Operations, type Project } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';
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
    api = await startTestApp();
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
    expect(run.durationMs).toBeGreaterThanOrEqual(1000);
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

  describe('triggers', () => {
    const HTTP_SOURCE = `export const handler = async (event) => {
  if (event.path === '/teapot') return { statusCode: 418, headers: { 'x-kind': 'teapot' }, body: 'short and stout' };
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
