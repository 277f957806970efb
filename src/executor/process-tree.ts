import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type {
  Execution,
  ExecutionLimits,
  ExecutionResult,
  ExecutionSpec,
  OutputLine,
  RunningProcess,
} from './executor';

/** GNU time, which reports the peak memory and CPU time of what it runs once it has ended. */
export const GNU_TIME = '/usr/bin/time';

/**
 * The chain every execution starts with: tied to the worker (`tetherChain`), optionally as a user of
 * its own, then the rlimits (`prlimit`), then GNU time reporting to `statsFile`; `command` follows.
 */
export function limitedChain(
  spec: ExecutionSpec,
  statsFile: string,
  owner: { uid: number; gid: number } | undefined,
  pidNamespace: boolean,
  command: string[],
): string[] {
  return [
    ...tetherChain(owner, pidNamespace),
    ...rlimitChain(spec.limits),
    GNU_TIME,
    '-f',
    '%x %M %U %S',
    '-o',
    statsFile,
    '--',
    ...command,
  ];
}

/**
 * Ties what follows to the worker, so that a worker that dies, even by SIGKILL and at any moment,
 * leaves nothing of it running; when given, as a user of its own without capabilities.
 *
 * A parent-death signal is lost when the parent dies before the child sets it, and it is not
 * inherited by a forked child: GNU time and bubblewrap fork, and a child whose parent died before
 * it set its own would run on, sandbox and all. So:
 * - `setpriv --pdeathsig` has the first process killed when the worker dies, and a shell then
 *   checks that the worker is still its parent (one that died before the signal was set sent none);
 * - what follows runs in a PID namespace of its own (`unshare --pid --kill-child`), whose first
 *   process is killed when `unshare` dies, and which the kernel empties when that process dies. A
 *   shell there checks in turn that `unshare` is still its parent, since `unshare` sets that
 *   signal in its child after forking it (`IN_NAMESPACE`).
 * Without `pidNamespace` (a machine that cannot make one, see `pidNamespacesAvailable`) only the
 * first process is tied. Both shells `exec`, so the chain has no more processes than before.
 */
export function tetherChain(owner: { uid: number; gid: number } | undefined, pidNamespace = true): string[] {
  const unprivileged = owner !== undefined || process.getuid?.() !== 0;
  const then = pidNamespace
    ? `exec ${unshareArgs(unprivileged).join(' ')} /bin/sh -c '${IN_NAMESPACE}' "$$" "$@"`
    : 'exec "$@"';
  return [
    'setpriv',
    '--pdeathsig=KILL',
    ...(owner ? [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--inh-caps=-all'] : []),
    '--',
    '/bin/sh',
    '-c',
    `[ "$PPID" = "$0" ] && ${then}`,
    String(process.pid),
  ];
}

/**
 * The first process of the PID namespace goes on only while `unshare` (pid `$0`) is its parent.
 * It reads its parent from `/proc/self/stat`: `/proc` is still the host's, so the pid there is the
 * host's too (the shell opens the file itself; its name, `sh`, has no space to split on).
 */
const IN_NAMESPACE =
  'parent=$0; tied() { read -r stat < /proc/self/stat; set -- $stat; [ "$4" = "$parent" ]; }; tied && exec "$@"';

/**
 * A PID namespace whose first process is killed when `unshare` dies. Creating one takes a
 * capability, which an unprivileged process gets in a user namespace of its own, where its user
 * is mapped to itself: its files and limits stay its own, though files of users not mapped there
 * (root's, say) show as owned by `nobody`.
 */
function unshareArgs(unprivileged: boolean): string[] {
  return ['unshare', ...(unprivileged ? ['--map-current-user'] : []), '--pid', '--kill-child=KILL', '--'];
}

/** Whether this machine lets the worker's own user make the PID namespace of `tetherChain`. */
export function pidNamespacesAvailable(): boolean {
  const [command, ...args] = unshareArgs(process.getuid?.() !== 0);
  return spawnSync(command!, [...args, 'true'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** The rlimits of an execution or a process, set by `prlimit` before what follows starts. */
export function rlimitChain(
  limits: Pick<ExecutionLimits, 'maxProcesses' | 'maxFileBytes' | 'maxOpenFiles' | 'maxMemoryBytes'> & {
    maxStackBytes?: number;
  },
): string[] {
  return [
    'prlimit',
    `--nproc=${limits.maxProcesses}`,
    `--fsize=${limits.maxFileBytes}`,
    `--nofile=${limits.maxOpenFiles}`,
    `--data=${limits.maxMemoryBytes}`,
    ...(limits.maxStackBytes ? [`--stack=${limits.maxStackBytes}`] : []),
    '--',
  ];
}

/**
 * Starts `argv` as the leader of a new process group with a fourth pipe (fd 3) for replies. The
 * program runs `programDepth` levels down (one for `tetherChain`'s PID namespace, two more in a
 * sandbox: bubblewrap, then its PID namespace's init); `programPid` follows the chain of only
 * children down to it.
 */
export function startProcessTree(
  argv: string[],
  env: Record<string, string>,
  { programDepth }: { programDepth: number },
): RunningProcess {
  const [command, ...args] = argv;
  const child = spawn(command!, args, { env, detached: true, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', () => resolve({ code: 127, signal: null }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // A process that ended before it read its input must not take the platform down with EPIPE.
  child.stdin!.on('error', () => undefined);
  let programPid: number | undefined;
  return {
    stdin: child.stdin!,
    stdout: child.stdout!,
    stderr: child.stderr!,
    replies: child.stdio[3] as Readable,
    exited,
    programPid() {
      if (programPid !== undefined || child.pid === undefined) return programPid;
      let pid = child.pid;
      for (let depth = 0; depth < programDepth; depth++) {
        const children = onlyChildren(pid);
        if (children.length !== 1) return undefined;
        pid = children[0]!;
      }
      return (programPid = pid);
    },
    kill() {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

function onlyChildren(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Splits a stream into lines, cutting any longer than `maxBytes`. */
function readLines(
  stream: Readable,
  name: OutputLine['stream'],
  maxBytes: number,
  emit: (line: OutputLine) => void,
  onCut: () => void,
): Promise<void> {
  let pending = '';
  let cutting = false;
  const push = (text: string): void => {
    if (Buffer.byteLength(text) > maxBytes) {
      onCut();
      text = `${Buffer.from(text).subarray(0, maxBytes).toString()}… [line cut at ${maxBytes} bytes]`;
    }
    emit({ stream: name, text, at: new Date() });
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline).replace(/\r$/, '');
      pending = pending.slice(newline + 1);
      if (cutting) cutting = false;
      else push(line);
    }
    // A line that never ends must not grow without bound: emit its start, drop the rest.
    if (pending.length > maxBytes * 2 && !cutting) {
      push(pending);
      pending = '';
      cutting = true;
    } else if (cutting) {
      pending = '';
    }
  });
  return new Promise((resolve) =>
    stream.on('close', () => {
      if (pending && !cutting) push(pending);
      resolve();
    }),
  );
}

/**
 * Runs `argv` (whose last part runs the user's command) as the leader of a new process group and
 * wires the spec's output, timeout and cancel to it. `argv` is expected to start with GNU time
 * writing to `statsFile`, so that peak memory and CPU time can be reported.
 */
export function runProcessTree(
  argv: (statsFile: string) => string[],
  spec: ExecutionSpec,
  env: Record<string, string>,
  owner?: { uid: number; gid: number },
): Execution {
  const started = performance.now();
  const scratch = mkdtempSync(path.join(tmpdir(), 'slipway-exec-'));
  // GNU time runs as the execution's own user and must be able to write its report.
  if (owner) chownSync(scratch, owner.uid, owner.gid);
  const statsFile = path.join(scratch, 'stats');
  const [command, ...args] = argv(statsFile);
  const child = spawn(command!, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let timedOut = false;
  let canceled = false;
  let cutLines = 0;
  const emit = (line: OutputLine): void => spec.onLine?.(line);
  const onCut = (): void => {
    cutLines += 1;
  };
  const killTree = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', () => resolve({ code: 127, signal: null }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const timer = setTimeout(() => {
    timedOut = true;
    killTree();
  }, spec.limits.timeoutMs);
  const output = Promise.all([
    readLines(child.stdout!, 'stdout', spec.limits.maxLineBytes, emit, onCut),
    readLines(child.stderr!, 'stderr', spec.limits.maxLineBytes, emit, onCut),
  ]);
  const result = (async (): Promise<ExecutionResult> => {
    const { code, signal } = await exited;
    clearTimeout(timer);
    // Whatever the command left behind in its group goes with it.
    killTree();
    await output;
    const stats = readStats(statsFile);
    rmSync(scratch, { recursive: true, force: true });
    const killed = timedOut || canceled;
    return {
      exitCode: killed ? null : (stats?.exitCode ?? code),
      signal: killed ? 'SIGKILL' : (stats?.signal ?? signal),
      durationMs: Math.round(performance.now() - started),
      peakMemoryBytes: stats?.peakMemoryBytes ?? null,
      cpuTimeMs: stats?.cpuTimeMs ?? null,
      timedOut,
      canceled,
      cutLines,
    };
  })();
  return {
    result,
    cancel: async () => {
      canceled = !timedOut;
      killTree();
      await result;
    },
  };
}

interface Stats {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  peakMemoryBytes: number;
  cpuTimeMs: number;
}

/** Reads GNU time's report (`%x %M %U %S`, or "Command terminated by signal N" before it). */
function readStats(file: string): Stats | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.trim().split('\n');
  const values = /^(-?\d+) (\d+) ([\d.]+) ([\d.]+)$/.exec(lines.at(-1) ?? '');
  if (!values) return undefined;
  const bySignal = /terminated by signal (\d+)/.exec(text);
  const signalNumber = bySignal ? Number(bySignal[1]) : undefined;
  const signal =
    signalNumber === undefined
      ? null
      : ((Object.entries(constants.signals).find(([, n]) => n === signalNumber)?.[0] ?? null) as NodeJS.Signals | null);
  return {
    exitCode: signal ? null : Number(values[1]),
    signal,
    peakMemoryBytes: Number(values[2]) * 1024,
    cpuTimeMs: Math.round((Number(values[3]) + Number(values[4])) * 1000),
  };
}
