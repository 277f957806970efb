import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The compiled server, started as a real process with a broken environment, must refuse to start
 * with one message naming every bad key, before it touches any server: a stand-in for MongoDB and
 * Redis counts the connections it is given. (How long that takes is not the test's business; a
 * server that hung waiting for one would be stopped after a minute and fail.)
 */

const ROOT = path.resolve(__dirname, '..');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * A TCP server standing in for MongoDB and Redis: it counts the connections it is given, so a test
 * can tell that the server refused its configuration before touching either.
 */
async function connectionRecorder(): Promise<{ url(scheme: string): string; count(): number; close(): Promise<void> }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    count: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The newest modification time of the sources tsconfig.build.json compiles. */
function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
      newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

describe('booting the compiled server with a bad configuration', () => {
  let buildDir: string | undefined;
  let mainJs: string;

  // jest's globalSetup normally leaves dist/ up to date. When it is not (sources edited since), this
  // file compiles into a directory of its own rather than rewriting dist/ under a parallel test
  // that is running it.
  beforeAll(() => {
    mainJs = path.join(ROOT, 'dist', 'main.js');
    if (existsSync(mainJs) && statSync(mainJs).mtimeMs >= newestSourceMtime(path.join(ROOT, 'src'))) return;
    buildDir = mkdtempSync(path.join(os.tmpdir(), 'slipway-config-boot-'));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(buildDir, 'node_modules'), 'dir');
    const outDir = path.join(buildDir, 'dist');
    const tsc = spawnSync(
      process.execPath,
      [
        require.resolve('typescript/bin/tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        outDir,
        '--tsBuildInfoFile',
        path.join(buildDir, 'tsbuildinfo'),
        '--sourceMap',
        'false',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    mainJs = path.join(outDir, 'main.js');
    // Type errors elsewhere in the tree still emit JavaScript; only a missing entry point is fatal here.
    if (!existsSync(mainJs)) {
      throw new Error(`tsc did not produce main.js (exit ${tsc.status}):\n${tsc.stdout}${tsc.stderr}`);
    }
  }, 120_000);

  let recorder: Awaited<ReturnType<typeof connectionRecorder>>;
  beforeEach(async () => {
    recorder = await connectionRecorder();
  });
  afterEach(() => recorder.close());

  afterAll(() => {
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  /** Runs the server with exactly `env` (nothing inherited but PATH) until it exits. */
  function run(env: Record<string, string>, timeoutMs = 60_000): Promise<Run> {
    const child = spawn(process.execPath, [mainJs], {
      cwd: os.tmpdir(),
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`The server was still running after ${timeoutMs} ms:\n${stdout}${stderr}`));
      }, timeoutMs);
      child.once('error', reject);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  it('exits at once with one message naming PORT, PROCESS_ROLE and MONGODB_URI', async () => {
    const result = await run({ PORT: 'abc', PROCESS_ROLE: 'boss', REDIS_URL: recorder.url('redis') });

    expect(result.signal).toBeNull();
    expect(result.code).not.toBe(0);
    expect(result.code).toBe(78); // EX_CONFIG, so a supervisor can tell bad configuration from a crash
    expect(recorder.count()).toBe(0); // refused before it touched Redis
    expect(result.stderr.match(/Invalid configuration/g)).toHaveLength(1);
    const header = /^Invalid configuration \(([^)]*)\):/.exec(result.stderr);
    expect(header?.[1]?.split(', ').sort()).toEqual(['MONGODB_URI', 'PORT', 'PROCESS_ROLE']);
    for (const key of ['PORT', 'PROCESS_ROLE', 'MONGODB_URI']) {
      expect(result.stderr).toMatch(new RegExp(`^ {2}- ${key}: `, 'm'));
    }
    expect(result.stderr).not.toMatch(/REDIS_URL/);
    expect(result.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
    expect(result.stdout).toBe(''); // Nest never started
  }, 90_000);

  it('names a production secret that is too short without printing it', async () => {
    const secret = 'short-Secret-4f1c9a';
    const result = await run({
      NODE_ENV: 'production',
      JWT_SECRET: secret,
      ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 3).toString('base64')}`,
      MONGODB_URI: `${recorder.url('mongodb')}/slipway`,
      REDIS_URL: recorder.url('redis'),
    });

    expect(result.code).toBe(78);
    expect(recorder.count()).toBe(0); // refused before it touched MongoDB or Redis
    expect(result.stderr).toMatch(/^Invalid configuration \(JWT_SECRET\):/);
    expect(result.stderr + result.stdout).not.toContain(secret);
  }, 90_000);
});
