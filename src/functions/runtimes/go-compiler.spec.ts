import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Executor } from '../../executor/executor';
import { SandboxExecutor, sandboxUnavailableReason } from '../../executor/sandbox-executor';
import { UnsandboxedExecutor } from '../../executor/unsandboxed-executor';
import { FIXTURES, failLineNumber } from './bootstrap-fixtures.spec-support';
import { GoCompileError, GoCompiler, type SourceFile } from './go-compiler';
import { removeTaskDirs, RuntimeProcess, taskDir } from './protocol-harness.spec-support';
import { discoverRuntimes, GO_BINARY, HOST_BOOTSTRAP_DIR, type RuntimeInstall } from './runtime-catalog';

/*
 * The Go compiler with the real toolchain the setup step installs (go1.21), in the sandbox when
 * this machine can build one, and the binaries it makes spoken to per runtimes/README.md.
 */

const RUNTIMES_DIR = path.resolve(__dirname, '..', '..', '..', process.env.FUNCTION_RUNTIMES_DIR ?? '.runtimes');
const fixture = FIXTURES.go;
const files = (extra: Record<string, string> = {}): SourceFile[] =>
  Object.entries({ ...fixture.files, ...extra }).map(([file, content]) => ({ path: file, content }));

const inner: Executor = sandboxUnavailableReason() === undefined ? new SandboxExecutor() : new UnsandboxedExecutor();
let toolchainRuns = 0;
/** The real executor, counting how often the toolchain runs. */
const executor: Executor = {
  kind: inner.kind,
  run: (spec) => {
    toolchainRuns += 1;
    return inner.run(spec);
  },
  start: (spec) => inner.start(spec),
};
const cacheDir = mkdtempSync(path.join(tmpdir(), 'slipway-go-cache-'));
// The sandbox's users reach their workspaces through it.
chmodSync(cacheDir, 0o755);
const compiler = new GoCompiler({ cacheDir, executor });

let go121: RuntimeInstall;
let binary: string;
beforeAll(async () => {
  const runtimes = await discoverRuntimes({ runtimesDir: RUNTIMES_DIR, bootstrapDir: HOST_BOOTSTRAP_DIR });
  go121 = runtimes.find((r) => r.id === 'go1.21')!;
});
afterAll(() => {
  removeTaskDirs();
  rmSync(cacheDir, { recursive: true, force: true });
});

const processes: RuntimeProcess[] = [];
afterEach(() => {
  for (const p of processes.splice(0)) p.kill();
});

/** The unassigned Go process with `compiled` as its function, after `exec`: ready a second time. */
async function started(compiled: string): Promise<RuntimeProcess> {
  const dir = taskDir({});
  mkdirSync(path.join(dir, path.dirname(GO_BINARY)));
  copyFileSync(compiled, path.join(dir, GO_BINARY));
  const p = new RuntimeProcess(go121, dir);
  processes.push(p);
  expect(await p.reply()).toEqual({ type: 'ready' });
  p.send('exec');
  expect(await p.reply()).toEqual({ type: 'ready' });
  return p;
}

async function loaded(compiled: string): Promise<RuntimeProcess> {
  const p = await started(compiled);
  expect(await p.load('ignored', { GREETING: 'hello' })).toEqual({ type: 'loaded' });
  return p;
}

it(`compiles a function with go1.21 (${inner.kind}), from a cold cache`, async () => {
  expect(go121).toMatchObject({ available: true, reason: null });

  const cold = await compiler.compile(go121, files());
  expect(cold).toMatchObject({ cached: false, key: expect.stringMatching(/^go1\.21-[0-9a-f]{40}$/) });
  binary = cold.binary;
  // The seed's build and the function's.
  expect(toolchainRuns).toBe(2);
}, 180_000);

describe('a compiled Go function', () => {
  it('says ready, execs, loads with its environment, and serves invocations in one process', async () => {
    const p = await loaded(binary);

    const first = await p.invoke('inv-1', { action: 'state' });
    expect(first.reply).toEqual({
      type: 'result',
      id: 'inv-1',
      ok: true,
      result: { count: 1, greeting: 'hello', function: 'greeter', invocation: 'inv-1', remaining: true },
      cpuMs: expect.any(Number),
    });
    expect((await p.invoke('inv-2', { action: 'state' })).reply).toMatchObject({ ok: true, result: { count: 2 } });
  });

  it("reports a panic with the user's file and line, and a returned error by its type, and goes on", async () => {
    const p = await loaded(binary);

    const panicked = (await p.invoke('inv-panic', { action: 'fail', why: 'no reason' })).reply;
    expect(panicked).toMatchObject({ ok: false, error: { type: 'panic', message: 'cannot do it: no reason' } });
    expect(panicked.error!.stack).toContain(fixture.stackLocation(fixture.failFile, failLineNumber(fixture)));
    expect(panicked.error!.stack).not.toContain('slipway_bootstrap.go');
    const returned = (await p.invoke('inv-error', { action: 'error', why: 'bad' })).reply;
    expect(returned).toMatchObject({ ok: false, error: { type: 'errors.errorString', message: 'returned: bad' } });
    const undecodable = (await p.invoke('inv-shape', ['not', 'an', 'object'])).reply;
    expect(undecodable).toMatchObject({ ok: false, error: { type: 'json.UnmarshalTypeError' } });
    // The handler ran three times: the event that did not decode never reached it.
    expect((await p.invoke('inv-next', { action: 'state' })).reply).toMatchObject({ ok: true, result: { count: 3 } });
  });

  it('ends each stream of output with the invocation marker, and answers a result JSON cannot hold', async () => {
    const p = await loaded(binary);

    const printed = await p.invoke('inv-print', { action: 'print' });
    expect(printed).toMatchObject({
      reply: { ok: true, result: null },
      stdout: 'line one\npartial',
      stderr: 'to stderr\n',
    });
    const bad = await p.invoke('inv-bad', { action: 'unserializable' });
    expect(bad.reply).toMatchObject({ ok: false, error: { type: 'json.UnsupportedTypeError' } });
    expect([bad.stdout, bad.stderr]).toEqual(['', '']);
  });

  it('takes an event of several megabytes on one line', async () => {
    const p = await loaded(binary);
    const data = 'x'.repeat(8 * 1024 * 1024);

    const { reply } = await p.invoke('inv-big', { action: 'echo', data });
    expect((reply.result as { data: string }).data).toBe(data);
  });

  it("ends when the user's code exits, and when stdin ends, before or after exec", async () => {
    const exiting = await loaded(binary);
    exiting.send({ type: 'invoke', id: 'inv-exit', event: { action: 'exit' }, deadlineMs: Date.now() + 60_000 });
    expect(await exiting.exited).toEqual({ code: 3, signal: null });

    const idle = new RuntimeProcess(go121, taskDir({}));
    processes.push(idle);
    await idle.reply();
    idle.child.stdin!.end();
    expect(await idle.exited).toEqual({ code: 0, signal: null });

    const p = await loaded(binary);
    p.child.stdin!.end();
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });
});

describe('the Go compiler', () => {
  it('returns the binary it made for the same files without running Go', async () => {
    const runs = toolchainRuns;

    const again = await compiler.compile(go121, files().reverse());
    expect(again).toMatchObject({ binary, cached: true });
    expect(toolchainRuns).toBe(runs);
  });

  it("compiles other files from the toolchain's warm cache, with the user's go.mod and packages", async () => {
    const compiled = await compiler.compile(go121, [
      { path: 'go.mod', content: 'module example.com/greeter\n\ngo 1.21\n' },
      {
        path: 'main.go',
        content:
          'package main\n\nimport (\n\t"context"\n\n\t"example.com/greeter/greet"\n)\n\n' +
          'func Handle(ctx context.Context, name string) (string, error) { return greet.Hello(name), nil }\n',
      },
      {
        path: 'greet/greet.go',
        content: 'package greet\n\nfunc Hello(name string) string { return "hello " + name }\n',
      },
    ]);
    expect(compiled.cached).toBe(false);
    // Cold, the standard library alone takes several seconds.
    expect(compiled.durationMs).toBeLessThan(5_000);
    const p = await started(compiled.binary);
    await p.load('ignored');
    expect((await p.invoke('inv-1', 'world')).reply).toMatchObject({ ok: true, result: 'hello world' });
  });

  it('compiles vendored modules without the network', async () => {
    const compiled = await compiler.compile(go121, [
      { path: 'go.mod', content: 'module function\n\ngo 1.21\n\nrequire example.com/greet v1.0.0\n' },
      { path: 'vendor/modules.txt', content: '# example.com/greet v1.0.0\n## explicit\nexample.com/greet\n' },
      { path: 'vendor/example.com/greet/greet.go', content: 'package greet\n\nconst Word = "vendored"\n' },
      {
        path: 'main.go',
        content:
          'package main\n\nimport "example.com/greet"\n\nfunc Handle() (string, error) { return greet.Word, nil }\n',
      },
    ]);
    const p = await started(compiled.binary);
    await p.load('ignored');
    expect((await p.invoke('inv-1', null)).reply).toMatchObject({ ok: true, result: 'vendored' });
  });

  it("reports what does not compile with the file's name and line", async () => {
    const failure = compiler.compile(go121, [
      {
        path: 'handler.go',
        content:
          'package main\n\nimport "context"\n\nfunc Handle(ctx context.Context, e any) (any, error) {\n\treturn nope, nil\n}\n',
      },
    ]);

    await expect(failure).rejects.toThrow(GoCompileError);
    await expect(failure).rejects.toThrow(/handler\.go:6:9: undefined: nope/);
  });

  it('says a module it cannot download is missing, without the network', async () => {
    const failure = compiler.compile(go121, [
      {
        path: 'handler.go',
        content:
          'package main\n\nimport (\n\t"context"\n\n\t"github.com/example/absent"\n)\n\nfunc Handle(ctx context.Context, e any) (any, error) { return absent.X, nil }\n',
      },
    ]);

    await expect(failure).rejects.toThrow(/github\.com\/example\/absent/);
  });

  it("refuses paths outside the function and the bootstrap's own file name", async () => {
    const runs = toolchainRuns;

    await expect(compiler.compile(go121, files({ '../escape.go': 'package main\n' }))).rejects.toThrow(
      /not a path inside/,
    );
    await expect(compiler.compile(go121, files({ '/etc/passwd': 'x' }))).rejects.toThrow(/not a path inside/);
    await expect(compiler.compile(go121, files({ 'slipway_bootstrap.go': 'package main\n' }))).rejects.toThrow(
      /bootstrap file/,
    );
    expect(toolchainRuns).toBe(runs);
  });

  it('compiles only Go runtimes that are available', async () => {
    await expect(compiler.compile({ ...go121, available: false, reason: 'gone' }, files())).rejects.toThrow(/gone/);
    await expect(compiler.compile({ ...go121, id: 'python3.11', language: 'python' }, files())).rejects.toThrow(
      /not a Go runtime/,
    );
  });
});

// The compiler's own error, which the platform shows its users: the message carries the output.
it('GoCompileError carries the output in its message', () => {
  const error = new GoCompileError('Go compilation failed (go1.21)', './handler.go:3:1: syntax error');
  expect(error.message).toBe('Go compilation failed (go1.21):\n./handler.go:3:1: syntax error');
  expect(error.output).toBe('./handler.go:3:1: syntax error');
});
