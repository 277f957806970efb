import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';

const BIN = path.resolve(__dirname, '..', '..', 'cli', 'bin', 'slipway.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The directory the command runs in (default: a new empty one). */
  cwd?: string;
  /** Environment beside PATH, HOME and the config directory; SLIPWAY_API_URL usually. */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input?: string;
  /**
   * Sets NO_COLOR=1 (the default), so that output is plain whatever the streams are; false leaves
   * it unset, as most shells do, to check what the CLI decides on its own for pipes.
   */
  noColor?: boolean;
  /** Called with each chunk of stdout as it arrives. */
  onStdout?: (chunk: string) => void;
  timeoutMs?: number;
}

/** A config directory of its own, as a user's home would hold. */
export function cliConfigDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'slipway-cli-config-'));
}

/**
 * Runs the real `slipway` command (the compiled CLI, as `cli/bin/slipway.js`) as a child process,
 * with stdin, stdout and stderr as pipes (not a terminal) and nothing of the test's environment
 * but PATH. HOME is the directory it runs in, unless `env` says otherwise.
 */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const cwd = options.cwd ?? mkdtempSync(path.join(tmpdir(), 'slipway-cli-cwd-'));
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: cwd,
      ...(options.noColor === false ? {} : { NO_COLOR: '1' }),
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(chunk.toString());
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`slipway ${args.join(' ')} did not finish:\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Replaces the access token of the session stored in `configDir` by the same token expired a
 * minute ago, signed with the API's `jwtSecret`: what a stored login holds once its access token
 * has outlived its lifetime, without waiting for that. Resolves with the expired token.
 */
export function expireStoredAccessToken(configDir: string, jwtSecret: string): string {
  const file = path.join(configDir, 'credentials.json');
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { session: { accessToken: string } };
  const claims = jwt.decode(stored.session.accessToken) as Record<string, unknown>;
  const now = Math.floor(Date.now() / 1000);
  const expired = jwt.sign({ ...claims, iat: now - 120, exp: now - 60 }, jwtSecret, { algorithm: 'HS256' });
  stored.session.accessToken = expired;
  writeFileSync(file, JSON.stringify(stored));
  return expired;
}
