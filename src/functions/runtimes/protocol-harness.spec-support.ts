import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { RuntimeInstall } from './runtime-catalog';

/*
 * What the runtime specs drive bootstraps with: a real runtime process, unsandboxed, spoken to as
 * runtimes/README.md says, from the platform's side. Not part of the build (tsconfig.build.json).
 */

export interface Reply {
  type: string;
  id?: string;
  ok?: boolean;
  result?: unknown;
  error?: { type: string; message: string; stack: string };
  cpuMs?: number;
}

/** A task directory with the function's files; removed by `removeTaskDirs`. */
const taskDirs: string[] = [];
export function taskDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-task-'));
  chmodSync(dir, 0o755);
  taskDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}
export function removeTaskDirs(): void {
  for (const dir of taskDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export class RuntimeProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly replies: Reply[] = [];
  private readonly text = { stdout: '', stderr: '' };
  private wake: () => void = () => undefined;

  /** Starts `runtime`'s unassigned process, as the platform would, in `cwd` (its task directory). */
  constructor(runtime: RuntimeInstall, cwd: string) {
    const [command, ...args] = runtime.argv;
    this.child = spawn(command!, args, {
      cwd,
      env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: cwd, ...runtime.env },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    let pending: string[] = [];
    const replies = this.child.stdio[3] as Readable;
    replies.setEncoding('utf8');
    replies.on('data', (chunk: string) => {
      // Only the new chunk is searched: a reply of megabytes comes in many.
      const lines = chunk.split('\n');
      for (const [i, part] of lines.entries()) {
        pending.push(part);
        if (i === lines.length - 1) break;
        this.replies.push(JSON.parse(pending.join('')) as Reply);
        pending = [];
      }
      this.wake();
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      this.child[stream]!.setEncoding('utf8');
      this.child[stream]!.on('data', (chunk: string) => {
        this.text[stream] += chunk;
        this.wake();
      });
    }
    this.child.once('exit', () => this.wake());
    // A process that exits early makes writes fail; the test sees it through `exited`.
    this.child.stdin!.on('error', () => undefined);
  }

  send(message: object | string): void {
    (this.child.stdin as Writable).write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
  }

  /** The next reply on fd 3. */
  async reply(timeoutMs = 10_000): Promise<Reply> {
    await this.until(() => this.replies.length > 0, timeoutMs, 'a reply');
    return this.replies.shift()!;
  }

  /** What the process wrote on `stream` before invocation `id`'s end marker, which is consumed. */
  async output(stream: 'stdout' | 'stderr', id: string, timeoutMs = 10_000): Promise<string> {
    const marker = `\u001eslipway:end:${id}\u001e\n`;
    await this.until(() => this.text[stream].includes(marker), timeoutMs, `the end marker on ${stream}`);
    const at = this.text[stream].indexOf(marker);
    const before = this.text[stream].slice(0, at);
    this.text[stream] = this.text[stream].slice(at + marker.length);
    return before;
  }

  /** Everything written on `stream` and not yet consumed. */
  rest(stream: 'stdout' | 'stderr'): string {
    return this.text[stream];
  }

  async load(handler: string, env: Record<string, string> = {}): Promise<Reply> {
    this.send({ type: 'load', handler, env, function: { name: 'greeter', version: 3, memoryMb: 256 } });
    return this.reply();
  }

  /** One invocation, its reply and the output attributed to it. */
  async invoke(id: string, event: unknown): Promise<{ reply: Reply; stdout: string; stderr: string }> {
    this.send({ type: 'invoke', id, event, deadlineMs: Date.now() + 60_000 });
    const reply = await this.reply();
    return { reply, stdout: await this.output('stdout', id), stderr: await this.output('stderr', id) };
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        if (done()) return;
        throw new Error(
          `the process exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}; stderr: ${this.text.stderr}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; stderr: ${this.text.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
