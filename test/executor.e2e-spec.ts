import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/app-config';
import { DEFAULT_LIMITS, type ExecutionSpec, type Executor, type OutputLine } from '../src/executor/executor';
import { chooseExecutor } from '../src/executor/executor.module';
import { SandboxExecutor } from '../src/executor/sandbox-executor';
import { UnsandboxedExecutor } from '../src/executor/unsandboxed-executor';
import { waitFor } from './support/graphql-client';

/** Runs `command` in a fresh workspace and collects its output. */
async function run(executor: Executor, command: string, overrides: Partial<ExecutionSpec> = {}) {
  const workspace = mkdtempSync(path.join(tmpdir(), 'slipway-workspace-'));
  const lines: OutputLine[] = [];
  const execution = executor.run({
    command,
    workspace,
    limits: DEFAULT_LIMITS,
    network: false,
    onLine: (line) => lines.push(line),
    ...overrides,
  });
  const result = await execution.result;
  const stdout = lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
  return { result, lines, stdout, workspace };
}

/** Host processes whose command line contains `marker`. */
function hostProcessesWith(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('the sandbox executor', () => {
  const sandbox = new SandboxExecutor();
  const workspaces: string[] = [];
  const canaryDir = mkdtempSync(path.join(tmpdir(), 'slipway-canary-'));
  const canary = path.join(canaryDir, 'secret.txt');

  beforeAll(() => writeFileSync(canary, 'the worker can read this'));
  afterAll(() => {
    for (const dir of [...workspaces, canaryDir]) rmSync(dir, { recursive: true, force: true });
  });
  const sandboxed = async (command: string, overrides: Partial<ExecutionSpec> = {}) => {
    const outcome = await run(sandbox, command, overrides);
    workspaces.push(outcome.workspace);
    return outcome;
  };

  it('runs a command and reports its output line by line, exit code, time, memory and CPU', async () => {
    const { result, lines } = await sandboxed('echo one; echo two >&2; echo three; exit 3');

    // Each stream keeps its order; how the two interleave is up to the pipes.
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(['one', 'three']);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(['two']);
    expect(result).toMatchObject({ exitCode: 3, signal: null, timedOut: false, canceled: false });
    expect(result.durationMs).toBeGreaterThan(0);
    expect(result.peakMemoryBytes).toBeGreaterThan(0);
    expect(result.cpuTimeMs).toBeGreaterThanOrEqual(0);
  });

  it('cannot read a file the worker can read, nor the platform own files', async () => {
    expect(readFileSync(canary, 'utf8')).toBe('the worker can read this');
    const { result, stdout } = await sandboxed(
      `cat ${canary} || echo no-canary; cat ${path.resolve('package.json')} || echo no-platform-files; ls /root /home /var 2>/dev/null || echo no-host-dirs`,
    );

    expect(result.exitCode).toBe(0);
    expect(stdout).toEqual(['no-canary', 'no-platform-files', 'no-host-dirs']);
  });

  it("cannot see the worker's environment, only its own", async () => {
    process.env.SLIPWAY_WORKER_SECRET = 'platform-secret-value';
    try {
      const { stdout } = await sandboxed('env', { env: { GREETING: 'hello' } });

      expect(stdout.join('\n')).not.toContain('platform-secret-value');
      expect(stdout).toContain('GREETING=hello');
      expect(stdout).toContain('HOME=/workspace');
    } finally {
      delete process.env.SLIPWAY_WORKER_SECRET;
    }
  });

  it("cannot see the worker's processes", async () => {
    const { stdout } = await sandboxed(`for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done`);

    expect(stdout.join('\n')).not.toMatch(/jest|node /);
    expect(stdout.filter((l) => l.trim()).length).toBeLessThan(10);
  });

  it('cannot write outside its workspace and /tmp', async () => {
    const { stdout, workspace } = await sandboxed(
      'touch /usr/x 2>/dev/null || echo usr-refused; touch /etc/x 2>/dev/null || echo etc-refused; touch /x 2>/dev/null || echo root-refused; echo kept > /workspace/out.txt; echo scratch > /tmp/t && echo tmp-ok',
    );

    expect(stdout).toEqual(['usr-refused', 'etc-refused', 'root-refused', 'tmp-ok']);
    expect(readFileSync(path.join(workspace, 'out.txt'), 'utf8')).toBe('kept\n');
  });

  it('reads the host directories it is given, read-only, and no others', async () => {
    const shared = mkdtempSync(path.join(tmpdir(), 'slipway-mount-'));
    workspaces.push(shared);
    chmodSync(shared, 0o755);
    writeFileSync(path.join(shared, 'tool.txt'), 'from the host\n');
    const { stdout } = await sandboxed(
      `cat ${shared}/tool.txt; touch ${shared}/new 2>/dev/null || echo read-only; cat ${canary} 2>/dev/null || echo no-canary`,
      { readOnlyMounts: [shared] },
    );

    expect(stdout).toEqual(['from the host', 'read-only', 'no-canary']);
  });

  it('cannot outlive its cancel, children included', async () => {
    const marker = `${300 + Math.floor(Math.random() * 1000)}.${Date.now() % 100_000}`;
    const workspace = mkdtempSync(path.join(tmpdir(), 'slipway-workspace-'));
    workspaces.push(workspace);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const execution = sandbox.run({
      command: `sleep ${marker} & sh -c 'sleep ${marker}' & echo started; wait`,
      workspace,
      limits: DEFAULT_LIMITS,
      network: false,
      onLine: (line) => line.text === 'started' && started(),
    });
    await running;
    expect(hostProcessesWith(marker).length).toBeGreaterThan(0);

    const before = Date.now();
    await execution.cancel();

    expect(Date.now() - before).toBeLessThan(2_000);
    expect(hostProcessesWith(marker)).toEqual([]);
    expect(await execution.result).toMatchObject({ canceled: true, exitCode: null });
  });

  it('is killed at its timeout', async () => {
    const { result } = await sandboxed('sleep 30', { limits: { ...DEFAULT_LIMITS, timeoutMs: 500 } });

    expect(result).toMatchObject({ timedOut: true, exitCode: null });
    expect(result.durationMs).toBeLessThan(5_000);
  });

  it('cannot write a file past its size limit', async () => {
    const { result, workspace } = await sandboxed('head -c 5000000 /dev/zero > big', {
      limits: { ...DEFAULT_LIMITS, maxFileBytes: 1024 * 1024 },
    });

    expect(result.exitCode).not.toBe(0);
    expect(statSync(path.join(workspace, 'big')).size).toBeLessThanOrEqual(1024 * 1024);
  });

  it('cannot allocate more memory than its limit', async () => {
    const command = 'perl -e \'$s = "x" x 200000000; print length($s), "\\n"\'';
    const limited = await sandboxed(command, { limits: { ...DEFAULT_LIMITS, maxMemoryBytes: 64 * 1024 ** 2 } });
    const roomy = await sandboxed(command, { limits: { ...DEFAULT_LIMITS, maxMemoryBytes: 1024 ** 3 } });

    expect(limited.result.exitCode).not.toBe(0);
    expect(limited.stdout).toEqual([]);
    expect(roomy).toMatchObject({ result: { exitCode: 0 }, stdout: ['200000000'] });
  });

  it('cannot start more processes than its limit', async () => {
    const command = 'for i in $(seq 60); do sleep 1 & done; echo all-started';
    const limited = await sandboxed(command, { limits: { ...DEFAULT_LIMITS, maxProcesses: 20 } });
    const roomy = await sandboxed(command, { limits: { ...DEFAULT_LIMITS, maxProcesses: 200 } });

    expect(limited.stdout).toEqual([]);
    expect(limited.lines.map((l) => l.text).join('\n')).toMatch(/Cannot fork/);
    expect(roomy.stdout).toEqual(['all-started']);
  });

  it('has no network unless it is allowed one', async () => {
    const interfaces = 'awk \'NR>2 { sub(":", "", $1); print $1 }\' /proc/net/dev';
    const without = await sandboxed(interfaces, { network: false });
    const withNetwork = await sandboxed(interfaces, { network: true });

    expect(without.stdout).toEqual(['lo']);
    expect(withNetwork.stdout.length).toBeGreaterThan(1);
  });

  it('cuts a line past the line limit, and says so', async () => {
    const { result, stdout } = await sandboxed("head -c 100000 /dev/zero | tr '\\0' a; echo; echo next", {
      limits: { ...DEFAULT_LIMITS, maxLineBytes: 1000 },
    });

    expect(stdout[0]).toMatch(/^a{1000}… \[line cut at 1000 bytes\]$/);
    expect(stdout.at(-1)).toBe('next');
    expect(result.cutLines).toBeGreaterThanOrEqual(1);
  });
});

/** Whether host process `pid` has ended (a zombie has: it only waits to be reaped). */
function ended(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

/**
 * The worker is SIGKILLed while one step of an execution's chain is starting: a stand-in for that
 * step, first on the worker's PATH, says it has been reached, waits until the process above it has
 * died, then runs the real program. Nothing of the execution may run on after that.
 */
describe('a worker killed while an execution starts', () => {
  const dist = path.resolve(__dirname, '..', 'dist', 'executor');
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    { step: 'setpriv', kind: 'run', when: 'before its first process is tied to the worker' },
    { step: 'bwrap', kind: 'run', when: 'after GNU time forked, before bubblewrap ties itself to it' },
    { step: 'setpriv', kind: 'start', when: "(a function's runtime) before its first process is tied" },
  ])('leaves nothing running when killed $when ($kind, $step)', async ({ step, kind }) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'slipway-tether-'));
    dirs.push(dir);
    const bin = path.join(dir, 'bin');
    const stage = path.join(dir, 'stage');
    mkdirSync(bin);
    // The stand-in may run as the execution's own user, in the chain's PID namespace: it reads its
    // host pid and parent from /proc/self, which the shell itself opens.
    chmodSync(dir, 0o777);
    writeFileSync(
      path.join(bin, step),
      `#!/bin/sh
host() { read -r stat < /proc/self/stat; set -- $stat; pid=$1; parent=$4; }
host; first=$parent
echo "$pid" > ${stage}.new && mv ${stage}.new ${stage}
while host; [ "$parent" = "$first" ]; do sleep 0.01; done
exec /usr/bin/${step} "$@"
`,
      { mode: 0o755 },
    );
    const workspace = mkdtempSync(path.join(tmpdir(), 'slipway-workspace-'));
    dirs.push(workspace);
    const marker = `${400 + Math.floor(Math.random() * 1000)}.${Date.now() % 100_000}`;
    const worker = spawn(
      process.execPath,
      [
        '-e',
        `const { SandboxExecutor } = require(${JSON.stringify(path.join(dist, 'sandbox-executor.js'))});
const { DEFAULT_LIMITS } = require(${JSON.stringify(path.join(dist, 'executor.js'))});
const sandbox = new SandboxExecutor();
const command = 'sleep ${marker}';
if (${JSON.stringify(kind)} === 'run') {
  sandbox.run({ command, workspace: ${JSON.stringify(workspace)}, limits: DEFAULT_LIMITS, network: false });
} else {
  sandbox.start({ argv: ['/bin/sh', '-c', command], binds: [], cwd: '/', env: {}, limits: DEFAULT_LIMITS, network: false });
}
setInterval(() => undefined, 1000);`,
      ],
      { env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` }, stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    try {
      const standIn = await waitFor(
        async () => (existsSync(stage) ? Number(readFileSync(stage, 'utf8')) : undefined),
        10_000,
        `the chain to reach ${step}`,
      );

      worker.kill('SIGKILL');
      await exited;

      // Once its parent is gone the stand-in turns into the real program; it must die instead.
      await waitFor(async () => ended(standIn), 10_000, `the stand-in for ${step} to end with the worker`);
      expect(hostProcessesWith(marker)).toEqual([]);
    } finally {
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      for (const line of hostProcessesWith(marker)) process.kill(Number(line.split(' ')[0]), 'SIGKILL');
    }
  });
});

describe('choosing the executor', () => {
  const config = (sandbox: string) =>
    loadConfig({ MONGODB_URI: 'mongodb://127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1', SANDBOX: sandbox });

  it('refuses to run code when the sandbox cannot be built, unless SANDBOX=off', () => {
    const refusing = chooseExecutor(config('on'), () => 'user namespaces are disabled');
    expect(() =>
      refusing.run({ command: 'true', workspace: tmpdir(), limits: DEFAULT_LIMITS, network: false }),
    ).toThrow(expect.objectContaining({ reason: 'SANDBOX_UNAVAILABLE' }));

    expect(chooseExecutor(config('off'), () => 'user namespaces are disabled')).toBeInstanceOf(UnsandboxedExecutor);
    expect(chooseExecutor(config('on'), () => undefined)).toBeInstanceOf(SandboxExecutor);
  });

  it("finds the sandbox unavailable when the worker cannot make the chain's PID namespace", () => {
    // In a worker of its own, with a stand-in for unshare that fails first on its PATH.
    const reason = (pathPrefix: string): string =>
      execFileSync(
        process.execPath,
        [
          '-e',
          `const { sandboxUnavailableReason } = require(${JSON.stringify(path.resolve(__dirname, '..', 'dist', 'executor', 'sandbox-executor.js'))});
process.stdout.write(sandboxUnavailableReason() ?? 'available');`,
        ],
        { env: { PATH: `${pathPrefix}${process.env.PATH ?? '/usr/bin:/bin'}` }, encoding: 'utf8' },
      );
    expect(reason('')).toBe('available');
    const bin = mkdtempSync(path.join(tmpdir(), 'slipway-no-unshare-'));
    // The chain runs as the executions' own user when the worker is root.
    chmodSync(bin, 0o755);
    writeFileSync(
      path.join(bin, 'unshare'),
      '#!/bin/sh\necho "unshare failed: Operation not permitted" >&2\nexit 1\n',
      {
        mode: 0o755,
      },
    );
    try {
      expect(reason(`${bin}:`)).toBe(
        'the worker cannot tie its executions to itself (unshare --pid): unshare failed: Operation not permitted',
      );
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('runs code without isolation, but with a clean environment, when SANDBOX=off', async () => {
    process.env.SLIPWAY_WORKER_SECRET = 'platform-secret-value';
    try {
      const { result, stdout, workspace } = await run(new UnsandboxedExecutor(), 'pwd; env', { cwd: 'sub/..' });
      rmSync(workspace, { recursive: true, force: true });

      expect(result.exitCode).toBe(0);
      expect(stdout[0]).toBe(workspace);
      expect(stdout.join('\n')).not.toContain('platform-secret-value');
    } finally {
      delete process.env.SLIPWAY_WORKER_SECRET;
    }
  });
});
