import { readFileSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { RunningProcess } from '../../executor/executor';

/** What a runtime's code threw or returned as an error (runtimes/README.md, "The error shape"). */
export interface RuntimeError {
  type: string;
  message: string;
  stack: string;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  at: Date;
}

/** How an invocation ended, as far as the process is concerned. */
export type ProcessOutcomeKind = 'OK' | 'ERROR' | 'TIMEOUT' | 'CRASHED' | 'RESULT_TOO_LARGE';

export interface ProcessOutcome {
  kind: ProcessOutcomeKind;
  /** The handler's return value as JSON text, when it returned. */
  resultJson: string | null;
  error: RuntimeError | null;
  logs: LogLine[];
  logsTruncated: boolean;
  durationMs: number;
  cpuTimeMs: number | null;
  peakMemoryBytes: number | null;
  /** When it died: how (`exit code 1`, `SIGKILL`). */
  exit?: string | null;
  /** When it died: what it wrote to stderr during the invocation, its start and its end when long. */
  exitReport: string | null;
}

export interface InvokeOptions {
  timeoutMs: number;
  maxResultBytes: number;
  maxLogBytes: number;
}

interface Reply {
  type: string;
  id?: string;
  ok?: boolean;
  result?: unknown;
  error?: RuntimeError;
  cpuMs?: number;
}

/** Thrown when a handler cannot be loaded: its file, its export or its top-level code failed. */
export class LoadFailure extends Error {
  constructor(readonly error: RuntimeError) {
    super(error.message);
  }
}

const MARKER_HEAD = '\u001eslipway:end:';
/** Output kept from before an invocation (a cold start's top-level logging) for the next one. */
const MAX_CARRIED_BYTES = 16 * 1024;
/** Replies kept that nothing waits for yet (the protocol never has more than one). */
const MAX_UNASKED_REPLIES = 8;
const EXIT_REPORT_BYTES = 4 * 1024;
/** The start of a death's report kept besides its end: where runtimes name the cause. */
const EXIT_REPORT_HEAD_BYTES = 2 * 1024;

/**
 * Reads one output stream of a runtime process: the text between invocations is carried over to
 * the next, the text during one goes to it, up to the end marker the bootstrap writes when the
 * invocation is over (so that a line printed without a newline still belongs to it).
 */
class OutputReader {
  private carry = '';
  private partial = '';
  private sink: { marker: string; lines: LogLine[]; bytes: number; max: number; truncated: boolean } | null = null;
  private onEnd: (() => void) | null = null;
  /** The last bytes written, kept to explain a process's death. */
  tail = '';
  /** The first bytes written since the current invocation began (since the start before the first). */
  private head = '';
  /** How much has been written since then. */
  private written = 0;
  /** Settles once the stream has ended (everything written has been read). */
  readonly closed: Promise<void>;

  constructor(
    private readonly stream: 'stdout' | 'stderr',
    source: Readable,
  ) {
    source.setEncoding('utf8');
    source.on('data', (chunk: string) => this.feed(chunk));
    this.closed = new Promise((resolve) => source.once('close', () => resolve()));
  }

  begin(id: string, maxBytes: number, onEnd: () => void): { lines: LogLine[]; truncated: () => boolean } {
    const sink = { marker: `${MARKER_HEAD}${id}\u001e\n`, lines: [], bytes: 0, max: maxBytes, truncated: false };
    this.sink = sink;
    this.onEnd = onEnd;
    this.head = '';
    this.written = 0;
    const carried = this.carry;
    this.carry = '';
    if (carried) this.take(carried);
    return { lines: sink.lines, truncated: () => sink.truncated };
  }

  /** Stops attributing output to the invocation (it timed out or the process died). */
  abandon(): void {
    this.flushPartial();
    this.sink = null;
    this.onEnd = null;
  }

  /**
   * What was written since the current invocation began (or, before the first, since the start),
   * to explain a process's death: all of it when short, else its start and its end. A runtime names
   * the cause first, and a report can be long: Go's traces every goroutine after its "fatal error".
   */
  report(): string {
    if (this.written === 0) return this.tail.trim();
    const after = this.written - this.head.length;
    const end = after > 0 ? this.tail.slice(-Math.min(after, this.tail.length)) : '';
    const skipped = after - end.length;
    return `${this.head}${skipped > 0 ? `\n[… ${skipped} characters left out …]\n` : ''}${end}`.trim();
  }

  private feed(chunk: string): void {
    this.tail = (this.tail + chunk).slice(-EXIT_REPORT_BYTES);
    if (this.head.length < EXIT_REPORT_HEAD_BYTES)
      this.head += chunk.slice(0, EXIT_REPORT_HEAD_BYTES - this.head.length);
    this.written += chunk.length;
    if (!this.sink) {
      this.carry = (this.carry + chunk).slice(-MAX_CARRIED_BYTES);
      return;
    }
    this.carry += chunk;
    const text = this.carry;
    const at = text.indexOf(this.sink.marker);
    if (at >= 0) {
      this.carry = text.slice(at + this.sink.marker.length);
      this.take(text.slice(0, at));
      this.flushPartial();
      const onEnd = this.onEnd;
      this.sink = null;
      this.onEnd = null;
      onEnd?.();
      return;
    }
    // Keep back what could be the start of the marker; the rest is the invocation's output.
    const keep = Math.min(text.length, this.sink.marker.length - 1);
    const head = text.lastIndexOf(MARKER_HEAD[0]!, text.length - 1);
    const cut = head >= 0 && head >= text.length - keep ? head : text.length;
    this.carry = text.slice(cut);
    this.take(text.slice(0, cut));
  }

  private take(text: string): void {
    this.partial += text;
    let newline: number;
    while ((newline = this.partial.indexOf('\n')) >= 0) {
      this.push(this.partial.slice(0, newline).replace(/\r$/, ''));
      this.partial = this.partial.slice(newline + 1);
    }
    if (this.partial.length > (this.sink?.max ?? MAX_CARRIED_BYTES)) this.flushPartial();
  }

  private flushPartial(): void {
    if (this.partial) this.push(this.partial);
    this.partial = '';
  }

  private push(text: string): void {
    const sink = this.sink;
    if (!sink) return;
    const bytes = Buffer.byteLength(text) + 1;
    if (sink.bytes + bytes > sink.max) {
      sink.truncated = true;
      return;
    }
    sink.bytes += bytes;
    sink.lines.push({ stream: this.stream, text, at: new Date() });
  }
}

/**
 * One process of a runtime, started through the executor, speaking the line protocol of
 * runtimes/README.md: ready, then one load, then invocations one at a time.
 */
export class RuntimeProcess {
  private readonly out: OutputReader;
  private readonly err: OutputReader;
  private replyBuffer = '';
  private replyLimit = 1024 * 1024;
  private waiter: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | null = null;
  private early: Reply[] = [];
  private exitState: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private overflow = false;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  readonly startedAt = performance.now();

  constructor(private readonly process: RunningProcess) {
    this.out = new OutputReader('stdout', process.stdout);
    this.err = new OutputReader('stderr', process.stderr);
    process.replies.setEncoding('utf8');
    process.replies.on('data', (chunk: string) => this.onReplies(chunk));
    this.exited = process.exited.then((state) => {
      this.exitState = state;
      this.waiter?.reject(new Error('exited'));
      this.waiter = null;
    });
    this.ready = this.next().then(
      (reply) => {
        if (reply.type !== 'ready') throw new Error(`expected ready, got ${reply.type}`);
      },
      () => this.died('before it was ready'),
    );
    this.ready.catch(() => undefined);
  }

  get alive(): boolean {
    return this.exitState === null;
  }

  /** Loads the handler; throws LoadFailure with the runtime's error when it cannot. */
  async load(message: {
    handler: string;
    env: Record<string, string>;
    function: Record<string, unknown>;
  }): Promise<void> {
    await this.ready;
    this.send({ type: 'load', ...message });
    let reply: Reply;
    try {
      reply = await this.next();
    } catch {
      return this.died('while loading the handler');
    }
    if (reply.type === 'load_error')
      throw new LoadFailure(reply.error ?? { type: 'Error', message: 'load failed', stack: '' });
    if (reply.type !== 'loaded') throw new Error(`expected loaded, got ${reply.type}`);
  }

  /** Tells Go's shim to become the function's binary, and waits for the binary to be ready. */
  async exec(): Promise<void> {
    this.process.stdin.write('exec\n');
    let reply: Reply;
    try {
      reply = await this.next();
    } catch {
      // Its package's initialization failed (a panic, os.Exit) before main.
      return this.died('before it was ready');
    }
    if (reply.type !== 'ready') throw new Error(`expected ready, got ${reply.type}`);
  }

  async invoke(id: string, eventJson: string, deadlineMs: number, options: InvokeOptions): Promise<ProcessOutcome> {
    const started = performance.now();
    const pid = this.process.programPid();
    if (pid !== undefined) resetPeakMemory(pid);
    this.replyLimit = options.maxResultBytes + 64 * 1024;
    let outEnded = false;
    let errEnded = false;
    let settle: () => void = () => undefined;
    const outputsEnded = new Promise<void>((resolve) => (settle = resolve));
    const check = (): void => {
      if (outEnded && errEnded) settle();
    };
    const outLog = this.out.begin(id, options.maxLogBytes, () => ((outEnded = true), check()));
    const errLog = this.err.begin(id, options.maxLogBytes, () => ((errEnded = true), check()));
    this.process.stdin.write(
      `{"type":"invoke","id":${JSON.stringify(id)},"deadlineMs":${deadlineMs},"event":${eventJson}}\n`,
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), options.timeoutMs)),
    );
    const replied = this.resultFor(id).then(
      (reply) => reply,
      () => 'exited' as const,
    );
    let first = await Promise.race([replied, timedOut]);
    if (typeof first === 'object') {
      // The reply is in; the output up to the markers follows on its own pipes at once.
      const drained = await Promise.race([
        outputsEnded.then(() => 'ok' as const),
        timedOut,
        this.exited.then(() => 'exited' as const),
      ]);
      if (drained === 'timeout') first = 'timeout';
    }
    clearTimeout(timer);
    const durationMs = performance.now() - started;
    const peakMemoryBytes = pid !== undefined ? readPeakMemory(pid) : null;
    const finish = (partial: Partial<ProcessOutcome> & Pick<ProcessOutcome, 'kind'>): ProcessOutcome => {
      if (
        partial.kind === 'TIMEOUT' ||
        partial.kind === 'CRASHED' ||
        (partial.kind === 'RESULT_TOO_LARGE' && this.overflow)
      ) {
        this.out.abandon();
        this.err.abandon();
      }
      const logs = [...outLog.lines, ...errLog.lines].sort((a, b) => a.at.getTime() - b.at.getTime());
      return {
        resultJson: null,
        error: null,
        cpuTimeMs: null,
        exitReport: null,
        logs,
        logsTruncated: outLog.truncated() || errLog.truncated(),
        durationMs,
        peakMemoryBytes,
        ...partial,
      };
    };
    if (first === 'timeout') {
      this.kill();
      return finish({ kind: 'TIMEOUT' });
    }
    if (first === 'exited') {
      await Promise.all([this.exited, this.out.closed, this.err.closed]);
      return finish({
        kind: this.overflow ? 'RESULT_TOO_LARGE' : 'CRASHED',
        exitReport: this.overflow ? null : this.err.report() || null,
        exit:
          this.exitDetail()
            .trim()
            .replace(/^\(|\)$/g, '') || null,
      });
    }
    const reply = first;
    const cpuTimeMs = typeof reply.cpuMs === 'number' ? reply.cpuMs : null;
    if (reply.ok) {
      let resultJson: string;
      try {
        resultJson = JSON.stringify(reply.result ?? null);
      } catch {
        // Only a reply the function's own code forged on fd 3 can nest too deep to be written again.
        return finish({
          kind: 'ERROR',
          error: asRuntimeError({ type: 'InvalidResult', message: 'The result cannot be read' }),
          cpuTimeMs,
        });
      }
      if (Buffer.byteLength(resultJson) > options.maxResultBytes)
        return finish({ kind: 'RESULT_TOO_LARGE', cpuTimeMs });
      return finish({ kind: 'OK', resultJson, cpuTimeMs });
    }
    return finish({ kind: 'ERROR', error: asRuntimeError(reply.error), cpuTimeMs });
  }

  kill(): void {
    this.process.kill();
  }

  /**
   * Throws the LoadFailure of a process that died before it could take an invocation, with its exit
   * and what it wrote to stderr (read to the end first), so that a function that cannot start fails
   * its invocations with the reason instead of an internal error.
   */
  private async died(when: string): Promise<never> {
    await Promise.all([this.exited, this.err.closed]);
    throw new LoadFailure({
      type: 'ProcessExited',
      message: `The runtime exited ${when}${this.exitDetail()}`,
      stack: this.err.report(),
    });
  }

  private exitDetail(): string {
    if (!this.exitState) return '';
    return this.exitState.signal ? ` (${this.exitState.signal})` : ` (exit code ${this.exitState.code})`;
  }

  private send(message: Record<string, unknown>): void {
    this.process.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** The reply to invocation `id`; any other line on fd 3 (the function's own code writing there) is passed over. */
  private async resultFor(id: string): Promise<Reply> {
    for (;;) {
      const reply = await this.next();
      if (reply.type === 'result' && reply.id === id) return reply;
    }
  }

  private next(): Promise<Reply> {
    const early = this.early.shift();
    if (early) return Promise.resolve(early);
    if (!this.alive) return Promise.reject(new Error('exited'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  private onReplies(chunk: string): void {
    this.replyBuffer += chunk;
    let newline: number;
    while ((newline = this.replyBuffer.indexOf('\n')) >= 0) {
      const line = this.replyBuffer.slice(0, newline);
      this.replyBuffer = this.replyBuffer.slice(newline + 1);
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        continue;
      }
      const waiter = this.waiter;
      this.waiter = null;
      if (waiter) {
        waiter.resolve(reply);
      } else if (this.early.length < MAX_UNASKED_REPLIES) {
        this.early.push(reply);
      } else {
        // A bootstrap answers what it is asked; lines nobody asked for come from the function's
        // own code writing to fd 3, and are not kept without bound: the process goes.
        this.early = [];
        this.replyBuffer = '';
        this.kill();
        return;
      }
    }
    if (this.replyBuffer.length > this.replyLimit) {
      // A result past the limit: nothing more of it is read, and the process goes.
      this.overflow = true;
      this.replyBuffer = '';
      this.kill();
    }
  }
}

/**
 * An error as the platform keeps it, whatever came on fd 3: the bootstraps send the right shape,
 * but the function's own code can write there too.
 */
export function asRuntimeError(value: unknown): RuntimeError {
  const error = (typeof value === 'object' && value !== null ? value : { message: value }) as Record<string, unknown>;
  const text = (field: unknown, max: number): string =>
    (typeof field === 'string'
      ? field
      : field === undefined || field === null
        ? ''
        : (JSON.stringify(field) ?? '')
    ).slice(0, max);
  return {
    type: text(error.type, 200) || 'Error',
    message: text(error.message, 16 * 1024),
    stack: text(error.stack, 64 * 1024),
  };
}

function resetPeakMemory(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not allowed here: the peak then covers the process's whole life.
  }
}

function readPeakMemory(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
