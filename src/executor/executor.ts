import type { Readable, Writable } from 'node:stream';

/**
 * The one way the platform runs users' code (build steps today, functions later): a command in a
 * workspace, with an environment and limits, whose output comes back line by line. Implementations
 * decide where it runs: a bubblewrap sandbox on this machine (`SandboxExecutor`), the process itself
 * when sandboxing is explicitly off (`UnsandboxedExecutor`), or, for larger installs, a container or
 * a Kubernetes Job behind the same interface (docs/executor.md).
 */
export interface ExecutionLimits {
  /** Wall-clock time; the whole process tree is killed when it is up. */
  timeoutMs: number;
  /** Processes (and threads) the execution may have at once. */
  maxProcesses: number;
  /** Largest file the execution may write. */
  maxFileBytes: number;
  /** Open files per process. */
  maxOpenFiles: number;
  /**
   * Memory each process may map privately writable (its heap, stacks and the like: RLIMIT_DATA),
   * so one runaway process fails to allocate instead of starving the worker. Per process, not for
   * the whole tree: a bound on the sum needs cgroups (a container executor).
   */
  maxMemoryBytes: number;
  /** Longer output lines are cut, with a marker saying so. */
  maxLineBytes: number;
}

export interface ExecutionSpec {
  /** A shell command line, run by `/bin/sh -c`. */
  command: string;
  /**
   * A directory on this host; inside the execution it is the only writable place besides `/tmp`.
   * The sandbox runs as a user of its own, so the directories above it must be searchable by others.
   */
  workspace: string;
  /** Where to start, relative to the workspace. */
  cwd?: string;
  /** The whole environment the command sees, on top of PATH, HOME, LANG and TMPDIR. */
  env?: Record<string, string>;
  limits: ExecutionLimits;
  /** Whether the command may reach the network. */
  network: boolean;
  /**
   * Absolute host paths the command may read, at the same paths (a runtime's installation outside
   * `/usr`, say). The sandbox's user must be able to reach them on the host. Executors without
   * isolation ignore them: the command can read them anyway.
   */
  readOnlyMounts?: string[];
  /** Receives each line of output as it is written. */
  onLine?: (line: OutputLine) => void;
}

export interface OutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
  at: Date;
}

export interface ExecutionResult {
  /** The command's exit code, or null when it was ended by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  /** Largest resident set of any one process of the execution, when the platform can tell. */
  peakMemoryBytes: number | null;
  /** User plus system CPU time of the whole process tree, when the platform can tell. */
  cpuTimeMs: number | null;
  timedOut: boolean;
  canceled: boolean;
  /** Lines that were cut at `maxLineBytes`. */
  cutLines: number;
}

export interface Execution {
  readonly result: Promise<ExecutionResult>;
  /** Kills the whole process tree; resolves once it is gone. */
  cancel(): Promise<void>;
}

export interface Executor {
  /** Short name for logs and records: `sandbox`, `unsandboxed`, … */
  readonly kind: string;
  run(spec: ExecutionSpec): Execution;
  /** Starts a long-lived process under the same isolation (see ProcessSpec). */
  start(spec: ProcessSpec): RunningProcess;
}

/** Injection token of the process's executor. */
export const EXECUTOR = Symbol('EXECUTOR');

/** Limits a build step gets unless told otherwise. */
export const DEFAULT_LIMITS: ExecutionLimits = {
  timeoutMs: 15 * 60_000,
  maxProcesses: 512,
  maxFileBytes: 1024 ** 3,
  maxOpenFiles: 4096,
  maxMemoryBytes: 8 * 1024 ** 3,
  maxLineBytes: 16 * 1024,
};

/** A host directory the process sees at another path. */
export interface Bind {
  source: string;
  target: string;
}

/**
 * A long-lived process (a function's runtime) rather than a command run to its end: it is started
 * once and exchanges messages with the platform over its pipes for as long as it lives.
 */
export interface ProcessSpec {
  /** The program and its arguments, with paths as the process sees them. */
  argv: string[];
  /** Directories the process reads (read-only) at paths of their own: its code, its runtime's files. */
  binds: Bind[];
  /** Where it starts, as the process sees it. */
  cwd: string;
  /** The whole environment it sees, on top of PATH, HOME, LANG and TMPDIR. */
  env: Record<string, string>;
  limits: Pick<ExecutionLimits, 'maxProcesses' | 'maxFileBytes' | 'maxOpenFiles' | 'maxMemoryBytes'> & {
    /**
     * The stack of the main thread, and what each new thread reserves for its own (glibc takes it
     * from this limit), all of which RLIMIT_DATA counts: a runtime with ten threads reserves 80 MB
     * of its memory for stacks at the usual 8 MB.
     */
    maxStackBytes?: number;
  };
  network: boolean;
}

export interface RunningProcess {
  /** stdin, stdout, stderr and a fourth pipe (fd 3) the process writes its replies to. */
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly replies: Readable;
  /** Settles when the process (the whole sandbox) has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * The host's id of the process running the program (inside the sandbox's own PID namespace it
   * has another), for reading its memory and setting its limits; undefined when it cannot be told.
   */
  programPid(): number | undefined;
  /** Kills it and everything it started. */
  kill(): void;
}
