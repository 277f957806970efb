import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface ChildApi {
  process: ChildProcess;
  url: string;
  wsUrl: string;
  /** Sends SIGTERM and resolves with how the process ended. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Runs the compiled server (dist/main.js) as a separate OS process with the given environment.
 * With a fixed PORT that another process still holds (a just-stopped API's socket, or a port an
 * outgoing connection took meanwhile), it tries again for `portRetryMs` before failing.
 */
export async function startChildApi(
  env: Record<string, string>,
  timeoutMs = 30_000,
  portRetryMs = 30_000,
): Promise<ChildApi> {
  const deadline = Date.now() + portRetryMs;
  for (;;) {
    try {
      return await startOnce(env, timeoutMs);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('EADDRINUSE') || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function startOnce(env: Record<string, string>, timeoutMs: number): Promise<ChildApi> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'log', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The child API did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match =
        /GraphQL API: (http:\/\/[^\s]+\/graphql)/.exec(output) ?? /health at (http:\/\/[^\s]+)\/healthz/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => reject(new Error(`The child API exited (${code ?? signal}):\n${output}`)));
  });
  return {
    process: child,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
