import {
  backoffMs,
  BuildDocument,
  BuildLogStreamDocument,
  BuildLogsDocument,
  NETWORK_ERROR,
  SlipwayError,
  type BuildFieldsFragment,
  type BuildStatus,
} from '../../client/src';
import type { Context } from './context';

/** A line of a build's log, as the API gives it. */
export interface LogLine {
  seq: number;
  step: string;
  stream: string;
  text: string;
  at?: string;
}

export const FINISHED_STATUSES: readonly BuildStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELED', 'TIMED_OUT'];

/** The most lines one `buildLogs` query returns. */
const PAGE = 1_000;

/**
 * Which lines of a log have been printed: the last sequence number, since the API numbers every
 * line from 1 without gaps. A batch is split into the lines to print now (in order, each once)
 * and, when the batch starts past the next expected line, the range that is missing and has to
 * be read from the store first.
 */
export class LogCursor {
  constructor(private last = 0) {}

  /** The sequence number of the last line printed (0 before the first). */
  get lastSeq(): number {
    return this.last;
  }

  /**
   * Sorts out a batch: `fresh` are the lines after the last one printed (duplicates and lines
   * already printed dropped), and `missing` the sequence numbers between the last line printed
   * and the first fresh one, when there is a hole. Only call `advance` with lines that follow
   * without a hole.
   */
  plan(lines: readonly LogLine[]): { fresh: LogLine[]; missing: { afterSeq: number; beforeSeq: number } | undefined } {
    const seen = new Set<number>();
    const fresh = lines
      .filter((line) => line.seq > this.last && !seen.has(line.seq) && seen.add(line.seq))
      .sort((a, b) => a.seq - b.seq);
    const first = fresh[0];
    const missing = first && first.seq > this.last + 1 ? { afterSeq: this.last, beforeSeq: first.seq } : undefined;
    return { fresh, missing };
  }

  /**
   * Takes the lines that follow the last one printed, in order: returns those to print and moves
   * past them. Stops at the first hole (the lines after it come back through `plan`).
   */
  advance(lines: readonly LogLine[]): LogLine[] {
    const taken: LogLine[] = [];
    for (const line of [...lines].sort((a, b) => a.seq - b.seq)) {
      if (line.seq <= this.last) continue;
      if (line.seq !== this.last + 1) break;
      taken.push(line);
      this.last = line.seq;
    }
    return taken;
  }
}

/** Whether an error is the API being out of reach (worth trying again), not an answer. */
export function isNetworkError(error: unknown): boolean {
  return error instanceof SlipwayError && error.code === NETWORK_ERROR;
}

/** The API refused the caller's credential (an expired session's token, on a new connection). */
export function isCredentialRefusal(error: unknown): boolean {
  return error instanceof SlipwayError && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN');
}

/** How long the follower waits for the API to come back, in all, before giving up (`--reconnect-timeout`). */
export const DEFAULT_RECONNECT_TIMEOUT_MS = 120_000;

/** The follower was stopped (Ctrl-C) before it finished. */
export class Interrupted extends Error {
  constructor() {
    super('Stopped following');
    this.name = 'Interrupted';
  }
}

/** Throws `Interrupted` once `signal` is aborted. */
export function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Interrupted();
}

/** Waits `ms`, or rejects with `Interrupted` as soon as `signal` is aborted. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return untilAborted(waited, signal).finally(() => clearTimeout(timer));
}

/** `work`'s outcome, or `Interrupted` as soon as `signal` is aborted (the work itself is left to end on its own). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(new Interrupted());
      return;
    }
    const onAbort = (): void => reject(new Interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Longer than the longest pause between two attempts, with time to connect: a connection that held. */
const HELD_MS = 30_000;

/**
 * A stretch of time without the API: begins at the first failure, ends with the next answer, or
 * when the connection made after a failure held for longer than the limit and `HELD_MS` (a
 * build that prints nothing sends nothing). Past `limitMs` in all, the follower gives up.
 */
export class Outage {
  private since: number | undefined;
  private last = 0;

  constructor(private readonly limitMs: number) {}

  /** Notes a failure at `now`; true when the outage it belongs to has lasted past the limit. */
  failed(now: number): boolean {
    if (this.since === undefined || now - this.last > Math.max(this.limitMs, HELD_MS)) this.since = now;
    this.last = now;
    return now - this.since >= this.limitMs;
  }

  /** The API answered: the outage, if any, is over. */
  ended(): void {
    this.since = undefined;
  }

  /** The error that ends the follower once it gives up. */
  giveUp(cause: Error): SlipwayError {
    return new SlipwayError(
      `Gave up after ${Math.round(this.limitMs / 1000)} s without reaching the API (${cause.message})`,
      NETWORK_ERROR,
    );
  }
}

/** The note on stderr when the API cannot be reached: the same words for a request and a subscription. */
export function lostConnectionNote(cause: Error, attempt: number, delayMs: number): string {
  const wait = `${(delayMs / 1000).toFixed(1)} s`;
  return attempt === 1
    ? `Lost the connection to the API (${cause.message}); reconnecting in ${wait}…`
    : `Still cannot reach the API; reconnecting in ${wait} (attempt ${attempt})…`;
}

export interface ReconnectOptions {
  /** How long to keep trying in all while the API cannot be reached (default 120 s). */
  timeoutMs?: number;
  /** Aborted at Ctrl-C: stops waiting at once with `Interrupted`. */
  signal?: AbortSignal;
}

/**
 * Runs a request, trying again while the API cannot be reached (for `timeoutMs` in all), with a
 * note on stderr; any answer from the API, an error included, ends it. Ctrl-C (`signal`) stops
 * it at once, in a request or in the pause between two.
 */
export async function withReconnect<T>(
  ctx: Pick<Context, 'out'>,
  run: () => Promise<T>,
  options: ReconnectOptions = {},
): Promise<T> {
  const outage = new Outage(options.timeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await untilAborted(run(), options.signal);
    } catch (error) {
      if (!isNetworkError(error)) throw error;
      if (outage.failed(Date.now())) throw outage.giveUp(error as Error);
      const delay = backoffMs(attempt);
      ctx.out.info(lostConnectionNote(error as Error, attempt, delay));
      await pause(delay, options.signal);
    }
  }
}

/**
 * Runs `work` with Ctrl-C handled: SIGINT aborts the signal `work` is given (which ends it with
 * `Interrupted`), for as long as it runs. Resolves with its result, or `undefined` when
 * interrupted.
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.on('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } catch (error) {
    if (error instanceof Interrupted) return undefined;
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** What printing a log needs to know: each line in order, and how the build ended. */
export interface LogPrinter {
  line(line: LogLine): void;
}

/** Prints log lines for a person (a header when the step changes, stderr lines marked) or as JSON lines. */
export function logPrinter(ctx: Context, onStep?: (step: string) => void): LogPrinter {
  let step: string | undefined;
  return {
    line(line) {
      if (ctx.out.json) {
        ctx.out.jsonLine({ type: 'log', seq: line.seq, step: line.step, stream: line.stream, text: line.text });
        return;
      }
      if (line.step !== step) {
        step = line.step;
        ctx.out.line(ctx.out.bold(`== ${line.step} ==`));
        onStep?.(line.step);
      }
      if (line.stream === 'stderr') ctx.out.line(`${ctx.out.red('[stderr]')} ${line.text}`);
      else if (line.stream === 'system') ctx.out.line(ctx.out.dim(line.text));
      else ctx.out.line(line.text);
    },
  };
}

/** Prints the stored lines after `cursor.lastSeq` up to `beforeSeq` (or the end), page by page. */
export async function printStored(
  ctx: Context,
  buildId: string,
  cursor: LogCursor,
  printer: LogPrinter,
  beforeSeq = Number.POSITIVE_INFINITY,
  reconnect: ReconnectOptions = {},
): Promise<void> {
  while (cursor.lastSeq + 1 < beforeSeq) {
    checkSignal(reconnect.signal);
    const first = Math.min(PAGE, Number.isFinite(beforeSeq) ? beforeSeq - cursor.lastSeq - 1 : PAGE);
    const { buildLogs } = await withReconnect(
      ctx,
      () => ctx.request(BuildLogsDocument, { buildId, afterSeq: cursor.lastSeq, first }),
      reconnect,
    );
    const taken = cursor.advance(buildLogs.filter((line) => line.seq < beforeSeq));
    taken.forEach((line) => printer.line(line));
    if (taken.length === 0 || buildLogs.length < first) return;
  }
}

export interface FollowResult {
  /** How the build ended. */
  status: BuildStatus;
  build: BuildFieldsFragment;
}

export interface FollowOptions extends ReconnectOptions {
  /** Called with the current step, when it changes (for a progress line). */
  onStep?: (step: string) => void;
  /** The cursor to start from (default: the start of the log). */
  cursor?: LogCursor;
}

/**
 * Follows a build's log live through the `buildLogs` subscription until the build ends, printing
 * every line once and in order: after a dropped connection it subscribes again after the last
 * line printed (the transport reads the variables afresh), drops lines it has printed already,
 * and reads any hole back from the store before going on. Resolves with the build as it ended;
 * rejects with `Interrupted` once `options.signal` is aborted (run it in `interruptible`), and
 * with a NETWORK_ERROR once the API has been out of reach for `options.timeoutMs` in all.
 */
export async function followBuild(ctx: Context, buildId: string, options: FollowOptions = {}): Promise<FollowResult> {
  const { signal } = options;
  const reconnect: ReconnectOptions = { signal, timeoutMs: options.timeoutMs };
  const cursor = options.cursor ?? new LogCursor();
  const printer = logPrinter(ctx, options.onStep);
  const outage = new Outage(options.timeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS);
  let chain: Promise<void> = Promise.resolve();
  let finalStatus: BuildStatus | undefined | null;
  let reconnecting = false;
  /** The `afterSeq` the subscription was last made with: where it went on after a reconnection. */
  let subscribedAfter = 0;

  const handle = async (lines: readonly LogLine[]): Promise<void> => {
    checkSignal(signal);
    const { fresh, missing } = cursor.plan(lines);
    if (missing) await printStored(ctx, buildId, cursor, printer, missing.beforeSeq, reconnect);
    checkSignal(signal);
    cursor.advance(fresh).forEach((line) => printer.line(line));
    // Lines still ahead of a hole the store could not fill yet come back with the next batch
    // or the next resubscription; nothing is printed out of order.
  };

  const subscribeOnce = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      checkSignal(signal);
      // Set once subscribed; a batch can arrive before `subscribe` returns.
      const subscription: { stop?: () => void } = {};
      let settled = false;
      const settle = (run: () => void): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        subscription.stop?.();
        run();
      };
      const onAbort = (): void => settle(() => reject(new Interrupted()));
      signal?.addEventListener('abort', onAbort, { once: true });
      // Batches are handled one after the other: filling a hole waits for the store.
      const enqueue = (work: () => Promise<void>): void => {
        chain = chain.then(work).catch((error: unknown) => settle(() => reject(error)));
      };
      // The variables of the latest (re)subscription, read afresh by the transport each time.
      const variables = (): { buildId: string; afterSeq: number } => {
        subscribedAfter = cursor.lastSeq;
        return { buildId, afterSeq: subscribedAfter };
      };
      subscription.stop = ctx.client.subscribe(BuildLogStreamDocument, variables, {
        next: ({ buildLogs }) => {
          outage.ended();
          enqueue(async () => {
            if (reconnecting) {
              reconnecting = false;
              ctx.out.info(`Reconnected: going on after line ${subscribedAfter}`);
            }
            await handle(buildLogs.lines);
            if (buildLogs.finished) finalStatus = buildLogs.status;
          });
        },
        error: (error) => enqueue(() => Promise.reject(error)),
        complete: () => enqueue(async () => settle(() => resolve())),
        reconnecting: (attempt, delayMs, cause) => {
          reconnecting = true;
          if (outage.failed(Date.now())) {
            settle(() => reject(outage.giveUp(cause)));
            return;
          }
          ctx.out.info(lostConnectionNote(cause, attempt, delayMs));
        },
      });
      if (settled) subscription.stop();
    });

  // A connection made again after the session's access token expired is refused: renew the
  // session (a request does, when it is refused for that) and subscribe again, once per stretch
  // of log, so that a credential that is really refused still ends the follower.
  let renewedAt: number | undefined;
  for (;;) {
    try {
      await subscribeOnce();
      break;
    } catch (error) {
      if (!isCredentialRefusal(error) || renewedAt === cursor.lastSeq) throw error;
      renewedAt = cursor.lastSeq;
      await withReconnect(ctx, () => ctx.request(BuildDocument, { id: buildId }), reconnect);
      ctx.out.info(`Signed in again: going on after line ${cursor.lastSeq}`);
    }
  }

  // Whatever the stream ended with, the stored log is complete once the build has ended.
  await printStored(ctx, buildId, cursor, printer, Number.POSITIVE_INFINITY, reconnect);
  const { build } = await withReconnect(ctx, () => ctx.request(BuildDocument, { id: buildId }), reconnect);
  return { status: finalStatus ?? build.status, build };
}

/** The exit status of a build's outcome: 0 when it succeeded, 1 otherwise. */
export function exitStatusOf(status: BuildStatus | undefined): number {
  return status === 'SUCCEEDED' ? 0 : 1;
}
