import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SandboxExecutor } from '../../executor/sandbox-executor';
import { UnsandboxedExecutor } from '../../executor/unsandboxed-executor';
import { type InstancePlan, RuntimePool, type RuntimeLaunch } from './runtime-pool';
import { LoadFailure } from './runtime-process';

const BOOTSTRAPS = path.join(__dirname, '..', '..', '..', 'runtimes', 'bootstrap');
const NODE: RuntimeLaunch = {
  id: 'nodejs20',
  language: 'nodejs',
  argv: [process.execPath, '/opt/slipway/bootstrap/node.mjs'],
  mounts: [],
  env: {},
};
const LIMITS = { timeoutMs: 5_000, maxResultBytes: 1024 * 1024, maxLogBytes: 64 * 1024 };

describe('RuntimePool (real sandboxed Node.js processes)', () => {
  let pool: RuntimePool;
  let code: string;
  let plans = 0;

  const plan = (source: string, overrides: Partial<InstancePlan> = {}): InstancePlan => {
    const dir = mkdtempSync(path.join(code, 'v-'));
    writeFileSync(path.join(dir, 'index.mjs'), source);
    return {
      key: `plan-${++plans}`,
      runtime: NODE,
      network: false,
      codeDir: dir,
      handler: 'index.handler',
      env: {},
      memoryMb: 256,
      function: { name: 'f', version: 1, memoryMb: 256 },
      maxInstances: 2,
      minInstances: 0,
      ...overrides,
    };
  };

  beforeAll(() => {
    code = mkdtempSync(path.join(tmpdir(), 'pool-spec-'));
    pool = new RuntimePool({
      executor: new SandboxExecutor(),
      bootstrapDir: BOOTSTRAPS,
      spares: 1,
      idleMs: 60_000,
      maxProcesses: 64,
    });
  });

  afterAll(() => {
    pool.close();
    rmSync(code, { recursive: true, force: true });
  });

  it('starts cold, then serves the next invocation warm from the same process, output attributed to each', async () => {
    const p = plan(
      'let calls = 0;\nconsole.log("loading");\nexport const handler = async (event, context) => {\n' +
        '  calls += 1;\n  console.log("call", calls);\n  process.stderr.write("no newline");\n' +
        '  return { calls, echo: event, name: context.functionName, secret: process.env.GREETING ?? null };\n};\n',
      { env: { GREETING: 'hi' } },
    );
    const first = await pool.acquire(p, 1_000);
    expect(first.cold).toBe(true);
    const one = await first.instance.process.invoke('a1', '{"x":1}', Date.now() + 5_000, LIMITS);
    pool.release(first.instance, true);
    expect(one.kind).toBe('OK');
    expect(JSON.parse(one.resultJson!)).toEqual({ calls: 1, echo: { x: 1 }, name: 'f', secret: 'hi' });
    expect(one.logs.map((line) => `${line.stream}:${line.text}`)).toEqual(
      expect.arrayContaining(['stdout:loading', 'stdout:call 1', 'stderr:no newline']),
    );

    const second = await pool.acquire(p, 1_000);
    expect(second.cold).toBe(false);
    const two = await second.instance.process.invoke('a2', 'null', Date.now() + 5_000, LIMITS);
    pool.release(second.instance, true);
    expect(JSON.parse(two.resultJson!)).toMatchObject({ calls: 2 });
    // stdout and stderr are two pipes: lines of the two are ordered by when each was read.
    expect(two.logs.map((line) => `${line.stream}:${line.text}`).sort()).toEqual([
      'stderr:no newline',
      'stdout:call 2',
    ]);
  });

  it("reports a thrown error with the user's file in its stack", async () => {
    const p = plan('export async function handler() {\n  throw new TypeError("bad thing");\n}\n');
    const lease = await pool.acquire(p, 1_000);
    const outcome = await lease.instance.process.invoke('b1', '{}', Date.now() + 5_000, LIMITS);
    pool.release(lease.instance, true);
    expect(outcome.kind).toBe('ERROR');
    expect(outcome.error).toMatchObject({ type: 'TypeError', message: 'bad thing' });
    expect(outcome.error!.stack).toContain('/var/task/index.mjs:2');
  });

  it('kills an invocation past its timeout, and the next one gets a new process', async () => {
    const p = plan('export const handler = () => new Promise(() => setInterval(() => {}, 1000));\n');
    const lease = await pool.acquire(p, 1_000);
    const outcome = await lease.instance.process.invoke('c1', '{}', Date.now() + 300, { ...LIMITS, timeoutMs: 300 });
    expect(outcome.kind).toBe('TIMEOUT');
    await lease.instance.process.exited;
    pool.release(lease.instance, false);
    const next = await pool.acquire(p, 1_000);
    expect(next.cold).toBe(true);
    pool.release(next.instance, true);
  });

  it('refuses a handler that is not exported, with the reason', async () => {
    const p = plan('export const other = () => 1;\n');
    await expect(pool.acquire(p, 1_000)).rejects.toBeInstanceOf(LoadFailure);
  });

  it('enforces the memory limit through the operating system', async () => {
    const p = plan(
      'export const handler = () => { const keep = []; for (;;) keep.push(Buffer.alloc(16 * 1024 * 1024, 1)); };\n',
      { memoryMb: 128 },
    );
    const lease = await pool.acquire(p, 1_000);
    const outcome = await lease.instance.process.invoke('d1', '{}', Date.now() + 5_000, LIMITS);
    pool.release(lease.instance, false);
    expect(['ERROR', 'CRASHED']).toContain(outcome.kind);
    expect(`${outcome.error?.message ?? ''} ${outcome.exitReport ?? ''}`).toMatch(/memory|allocation|bad_alloc/i);
  });

  it('makes a waiting invocation wait for a busy instance, and refuses past the wait', async () => {
    const p = plan('export const handler = (e) => new Promise((r) => setTimeout(() => r(e), e.ms));\n', {
      maxInstances: 1,
    });
    const lease = await pool.acquire(p, 1_000);
    const busy = lease.instance.process.invoke('e1', '{"ms":300}', Date.now() + 5_000, LIMITS);
    await expect(pool.acquire(p, 50)).rejects.toThrow(/busy/);
    const waiting = pool.acquire(p, 2_000);
    await busy;
    pool.release(lease.instance, true);
    const handed = await waiting;
    expect(handed.instance).toBe(lease.instance);
    pool.release(handed.instance, true);
  });

  it("passes over lines the function's own code writes to the reply pipe, and ends a process that floods it", async () => {
    const p = plan(
      `import { writeSync } from 'node:fs';
export const handler = (e) => {
  const forged = JSON.stringify({ type: 'result', id: 'someone-else', ok: true, result: 'forged' }) + '\\n';
  for (let i = 0; i < e.lines; i++) writeSync(3, forged);
  return 'real';
};
`,
    );
    const lease = await pool.acquire(p, 1_000);
    const honest = await lease.instance.process.invoke('g1', '{"lines":3}', Date.now() + 5_000, LIMITS);
    expect([honest.kind, honest.resultJson]).toEqual(['OK', '"real"']);
    const flood = await lease.instance.process.invoke('g2', '{"lines":100000}', Date.now() + 5_000, LIMITS);
    pool.release(lease.instance, false);
    expect(flood.kind).toBe('CRASHED');
    expect(lease.instance.process.alive).toBe(false);
  });

  it('keeps what a forged reply says to the shape of an error, and survives one nested too deep to write again', async () => {
    const p = plan(
      `import { writeSync } from 'node:fs';
export const handler = (e, context) => {
  const id = context.invocationId;
  const result = e.deep ? '['.repeat(200000) + ']'.repeat(200000) : null;
  const line = e.deep
    ? '{"type":"result","id":' + JSON.stringify(id) + ',"ok":true,"result":' + result + '}'
    : JSON.stringify({ type: 'result', id, ok: false, error: 'oops' });
  writeSync(3, line + '\\n');
  return 'late';
};
`,
    );
    const lease = await pool.acquire(p, 1_000);
    const shaped = await lease.instance.process.invoke('h1', '{}', Date.now() + 5_000, LIMITS);
    expect([shaped.kind, shaped.error]).toEqual(['ERROR', { type: 'Error', message: 'oops', stack: '' }]);
    const deep = await lease.instance.process.invoke('h2', '{"deep":true}', Date.now() + 5_000, LIMITS);
    pool.release(lease.instance, true);
    expect([deep.kind, deep.error?.type]).toEqual(['ERROR', 'InvalidResult']);
  });

  it("ends a retired plan's busy instance when it is given back, whatever its minimum", async () => {
    const p = plan('export const handler = () => 1;\n', { minInstances: 1 });
    const lease = await pool.acquire(p, 1_000);
    pool.retire(p.key);
    pool.release(lease.instance, true);
    await lease.instance.process.exited;
    expect(lease.instance.process.alive).toBe(false);
    expect((await pool.acquire(p, 1_000)).cold).toBe(true);
  });

  it('runs the same code without a sandbox (SANDBOX=off), the task and bootstrap paths read through their binds', async () => {
    const bare = new RuntimePool({
      executor: new UnsandboxedExecutor(),
      bootstrapDir: BOOTSTRAPS,
      spares: 0,
      idleMs: 60_000,
      maxProcesses: 64,
    });
    try {
      const p = plan(
        'export const handler = () => ({ cwd: process.cwd(), secret: process.env.JEST_WORKER_ID ?? null });\n',
      );
      const lease = await bare.acquire(p, 1_000);
      const outcome = await lease.instance.process.invoke('f1', '{}', Date.now() + 5_000, LIMITS);
      bare.release(lease.instance, true);
      expect(outcome.kind).toBe('OK');
      const result = JSON.parse(outcome.resultJson!) as { cwd: string; secret: string | null };
      // Not isolated, but still given a clean environment.
      expect(result.secret).toBeNull();
      expect(result.cwd).not.toBe('/var/task');
    } finally {
      bare.close();
    }
  });
});
