import { existsSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, failLineNumber } from './bootstrap-fixtures.spec-support';
import { removeTaskDirs, RuntimeProcess, taskDir } from './protocol-harness.spec-support';
import { discoverRuntimes, HOST_BOOTSTRAP_DIR, type RuntimeInstall, type RuntimeLanguage } from './runtime-catalog';

/*
 * Every interpreted runtime this host has, its bootstrap started as the platform starts it (but
 * unsandboxed, with runtimes/bootstrap as the bootstrap directory and a temporary task directory
 * as the working directory) and spoken to per runtimes/README.md. Go's is in go-compiler.spec.ts.
 */

const RUNTIMES_DIR = path.resolve(__dirname, '..', '..', '..', process.env.FUNCTION_RUNTIMES_DIR ?? '.runtimes');
const BOOTSTRAPS: Record<Exclude<RuntimeLanguage, 'go'>, string> = {
  python: 'python.py',
  ruby: 'ruby.rb',
  nodejs: 'node.mjs',
};

let runtimes: RuntimeInstall[] = [];
beforeAll(async () => {
  runtimes = await discoverRuntimes({ runtimesDir: RUNTIMES_DIR, bootstrapDir: HOST_BOOTSTRAP_DIR });
});
afterAll(removeTaskDirs);

const processes: RuntimeProcess[] = [];
afterEach(() => {
  for (const p of processes.splice(0)) p.kill();
});

function start(runtime: RuntimeInstall, files = FIXTURES[runtime.language].files): RuntimeProcess {
  const started = new RuntimeProcess(runtime, taskDir(files));
  processes.push(started);
  return started;
}

/** Started, ready and loaded with GREETING=hello. */
async function loaded(runtime: RuntimeInstall): Promise<RuntimeProcess> {
  const p = start(runtime);
  expect(await p.reply()).toEqual({ type: 'ready' });
  expect(await p.load(FIXTURES[runtime.language].handler, { GREETING: 'hello' })).toEqual({ type: 'loaded' });
  return p;
}

it('has a bootstrap for every interpreted language, and each of them an available runtime here', async () => {
  const found = await discoverRuntimes({ runtimesDir: RUNTIMES_DIR, bootstrapDir: HOST_BOOTSTRAP_DIR });
  for (const language of ['python', 'ruby'] as const) {
    expect(existsSync(path.join(HOST_BOOTSTRAP_DIR, BOOTSTRAPS[language]))).toBe(true);
    expect(found.filter((r) => r.language === language && r.available).map((r) => r.id)).not.toEqual([]);
  }
});

/*
 * One block per language, run for each of its runtimes here; the list is known only once the
 * catalog has looked, so each test walks the runtimes itself and names the one that failed.
 */
describe.each(Object.keys(BOOTSTRAPS) as (keyof typeof BOOTSTRAPS)[])('the %s bootstrap', (language) => {
  const fixture = FIXTURES[language];
  // Node.js's bootstrap is written beside the platform's function module; until it is here, its
  // tests have nothing to start.
  const present = existsSync(path.join(HOST_BOOTSTRAP_DIR, BOOTSTRAPS[language]));
  const each = (name: string, test: (runtime: RuntimeInstall) => Promise<void>): void =>
    (present ? it : it.skip)(name, async () => {
      const mine = runtimes.filter((r) => r.language === language && r.available);
      for (const runtime of mine) {
        try {
          await test(runtime);
        } catch (error) {
          (error as Error).message = `${runtime.id} (${runtime.version}): ${(error as Error).message}`;
          throw error;
        }
      }
    });

  each('says ready, loads the handler with its environment, and serves invocations in one process', async (runtime) => {
    const p = await loaded(runtime);

    const first = await p.invoke('inv-1', { action: 'state' });
    expect(first.reply).toEqual({
      type: 'result',
      id: 'inv-1',
      ok: true,
      result: { count: 1, greeting: 'hello', function: 'greeter', invocation: 'inv-1', remaining: true },
      cpuMs: expect.any(Number),
    });
    expect(first.reply.cpuMs).toBeGreaterThanOrEqual(0);
    const second = await p.invoke('inv-2', { action: 'state' });
    expect(second.reply).toMatchObject({ id: 'inv-2', ok: true, result: { count: 2, invocation: 'inv-2' } });
  });

  each("reports a thrown error with the user's file and line, and goes on", async (runtime) => {
    const p = await loaded(runtime);

    const { reply } = await p.invoke('inv-fail', { action: 'fail', why: 'no reason' });
    expect(reply).toMatchObject({ id: 'inv-fail', ok: false, error: { type: fixture.failType } });
    expect(reply.error!.message).toContain('cannot do it: no reason');
    expect(reply.error!.stack).toContain(fixture.stackLocation(fixture.failFile, failLineNumber(fixture)));
    expect(reply.error!.stack).not.toContain(BOOTSTRAPS[language]);
    expect((await p.invoke('inv-next', { action: 'state' })).reply).toMatchObject({ ok: true, result: { count: 2 } });
  });

  each('ends each stream of output with the invocation marker, a partial last line included', async (runtime) => {
    const p = await loaded(runtime);

    const printed = await p.invoke('inv-print', { action: 'print' });
    expect(printed).toMatchObject({
      reply: { ok: true, result: null },
      stdout: 'line one\npartial',
      stderr: 'to stderr\n',
    });
    const quiet = await p.invoke('inv-quiet', { action: 'state' });
    expect([quiet.stdout, quiet.stderr]).toEqual(['', '']);
  });

  each('answers with an error when the result is not JSON, and goes on', async (runtime) => {
    const p = await loaded(runtime);

    const { reply } = await p.invoke('inv-bad', { action: 'unserializable' });
    expect(reply).toMatchObject({ id: 'inv-bad', ok: false, error: { type: expect.any(String) } });
    expect(reply.error!.message).not.toBe('');
    expect((await p.invoke('inv-after', { action: 'state' })).reply).toMatchObject({ ok: true });
  });

  each('keeps the name of a memory failure', async (runtime) => {
    const p = await loaded(runtime);

    const { reply } = await p.invoke('inv-mem', { action: 'memory' });
    expect(reply).toMatchObject({ ok: false, error: { type: fixture.memoryType } });
    expect((await p.invoke('inv-after', { action: 'state' })).reply).toMatchObject({ ok: true });
  });

  each('takes an event of several megabytes on one line', async (runtime) => {
    const p = await loaded(runtime);
    const data = 'x'.repeat(8 * 1024 * 1024);

    const { reply } = await p.invoke('inv-big', { action: 'echo', data });
    expect(reply).toMatchObject({ ok: true });
    expect((reply.result as { data: string }).data).toBe(data);
  });

  each("ends when the user's code exits, without a reply", async (runtime) => {
    const p = await loaded(runtime);

    p.send({ type: 'invoke', id: 'inv-exit', event: { action: 'exit' }, deadlineMs: Date.now() + 60_000 });
    expect(await p.exited).toEqual({ code: 3, signal: null });
  });

  each('exits when its stdin ends, ready or loaded', async (runtime) => {
    const idle = start(runtime);
    expect(await idle.reply()).toEqual({ type: 'ready' });
    idle.child.stdin!.end();
    expect(await idle.exited).toEqual({ code: 0, signal: null });

    const p = await loaded(runtime);
    await p.invoke('inv-1', { action: 'state' });
    p.child.stdin!.end();
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  each('answers a missing handler with a load error, then exits', async (runtime) => {
    if (!fixture.missingHandler) return;
    const p = start(runtime);
    await p.reply();

    const reply = await p.load(fixture.missingHandler.handler);
    expect(reply).toMatchObject({ type: 'load_error', error: { type: fixture.missingHandler.type } });
    expect(reply.error!.message).toContain('missing');
    expect((await p.exited).code).not.toBe(0);
  });
});

describe('the Python bootstrap', () => {
  const pythons = (): RuntimeInstall[] => runtimes.filter((r) => r.language === 'python' && r.available);

  it('runs async handlers on one event loop for the whole process', async () => {
    for (const runtime of pythons()) {
      const p = start(runtime, {
        'aio.py': `import asyncio


async def handler(event, context):
    await asyncio.sleep(0.01)
    return id(asyncio.get_running_loop())
`,
      });
      await p.reply();
      expect(await p.load('aio.handler')).toEqual({ type: 'loaded' });
      const first = await p.invoke('a-1', {});
      const second = await p.invoke('a-2', {});
      expect(first.reply).toMatchObject({ ok: true, result: expect.any(Number) });
      expect(second.reply.result).toBe(first.reply.result);
    }
  });

  it("reports a module that fails to import with the module's own line, and a missing one by name", async () => {
    for (const runtime of pythons()) {
      const broken = start(runtime, { 'main.py': 'import os\n\nraise RuntimeError("broken at import")\n' });
      await broken.reply();
      const reply = await broken.load('main.handler');
      expect(reply).toMatchObject({ type: 'load_error', error: { type: 'RuntimeError', message: 'broken at import' } });
      expect(reply.error!.stack).toContain('main.py", line 3');
      expect(reply.error!.stack).not.toContain('importlib');

      const missing = start(runtime, {});
      await missing.reply();
      expect(await missing.load('main.handler')).toMatchObject({
        type: 'load_error',
        error: { type: 'ModuleNotFoundError', message: expect.stringContaining('main.py') },
      });
    }
  });

  it("keeps the protocol's stdin from the user's code", async () => {
    for (const runtime of pythons()) {
      const p = start(runtime, {
        'main.py': 'import sys\n\n\ndef handler(event, context):\n    return sys.stdin.read()\n',
      });
      await p.reply();
      await p.load('main.handler');
      p.send({ type: 'invoke', id: 's-1', event: null, deadlineMs: Date.now() + 60_000 });
      // Were stdin the protocol's, the read would wait for it to end.
      expect(await p.reply()).toMatchObject({ id: 's-1', ok: true, result: '' });
    }
  });
});

describe('the Ruby bootstrap', () => {
  it('takes positional handlers too, and reports a file that fails to load with its line', async () => {
    for (const runtime of runtimes.filter((r) => r.language === 'ruby' && r.available)) {
      const p = start(runtime, { 'function.rb': "def handler(event, context)\n  event['n'] * 2\nend\n" });
      await p.reply();
      await p.load('function.handler');
      expect((await p.invoke('r-1', { n: 21 })).reply).toMatchObject({ ok: true, result: 42 });

      const broken = start(runtime, { 'function.rb': "x = 1\nraise 'broken at load'\n" });
      await broken.reply();
      const reply = await broken.load('function.handler');
      expect(reply).toMatchObject({ type: 'load_error', error: { type: 'RuntimeError', message: 'broken at load' } });
      expect(reply.error!.stack).toContain('function.rb:2:');
    }
  });
});
