import {
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

/** The pause before retry `attempt` (from 1): 250 ms doubling up to 5 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(5_000, 250 * 2 ** Math.min(attempt - 1, 10));
}

/**
 * Runs a request, trying again while the API cannot be reached (for about `patienceMs`), with a
 * note on stderr; any answer from the API, an error included, ends it.
 */
export async function withReconnect<T>(ctx: Context, run: () => Promise<T>, patienceMs = 120_000): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      if (!isNetworkError(error) || Date.now() > deadline) throw error;
      const delay = retryDelayMs(attempt);
      ctx.out.info(`Lost the connection to the API (${(error as Error).message}); reconnecting…`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
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
): Promise<void> {
  while (cursor.lastSeq + 1 < beforeSeq) {
    const first = Math.min(PAGE, Number.isFinite(beforeSeq) ? beforeSeq - cursor.lastSeq - 1 : PAGE);
    const { buildLogs } = await withReconnect(ctx, () =>
      ctx.request(BuildLogsDocument, { buildId, afterSeq: cursor.lastSeq, first }),
    );
    const taken = cursor.advance(buildLogs.filter((line) => line.seq < beforeSeq));
    taken.forEach((line) => printer.line(line));
    if (taken.length === 0 || buildLogs.length < first) return;
  }
}

export interface FollowResult {
  /** How the build ended, or undefined when the follower stopped first (Ctrl-C). */
  status: BuildStatus | undefined;
  build: BuildFieldsFragment | undefined;
}

export interface FollowOptions {
  /** Called when following stops at Ctrl-C, before resolving. */
  onInterrupt?: () => void;
  /** Called with the current step, when it changes (for a progress line). */
  onStep?: (step: string) => void;
  /** The cursor to start from (default: the start of the log). */
  cursor?: LogCursor;
}

/**
 * Follows a build's log live through the `buildLogs` subscription until the build ends, printing
 * every line once and in order: after a dropped connection it subscribes again after the last
 * line printed (the transport reads the variables afresh), drops lines it has printed already,
 * and reads any hole back from the store before going on. Resolves with the build as it ended.
 */
export async function followBuild(ctx: Context, buildId: string, options: FollowOptions = {}): Promise<FollowResult> {
  const cursor = options.cursor ?? new LogCursor();
  const printer = logPrinter(ctx, options.onStep);
  let chain: Promise<void> = Promise.resolve();
  let finalStatus: BuildStatus | undefined | null;
  let reconnecting = false;

  const handle = async (lines: readonly LogLine[]): Promise<void> => {
    const { fresh, missing } = cursor.plan(lines);
    if (missing) await printStored(ctx, buildId, cursor, printer, missing.beforeSeq);
    cursor.advance(fresh).forEach((line) => printer.line(line));
    // Lines still ahead of a hole the store could not fill yet come back with the next batch
    // or the next resubscription; nothing is printed out of order.
  };

  const subscribeOnce = (): Promise<'finished' | 'interrupted'> =>
    new Promise<'finished' | 'interrupted'>((resolve, reject) => {
      // Set once subscribed; a batch can arrive before `subscribe` returns.
      const subscription: { stop?: () => void } = {};
      let settled = false;
      const settle = (run: () => void): void => {
        if (settled) return;
        settled = true;
        process.removeListener('SIGINT', onSigint);
        subscription.stop?.();
        run();
      };
      const onSigint = (): void => settle(() => resolve('interrupted'));
      process.once('SIGINT', onSigint);
      // Batches are handled one after the other: filling a hole waits for the store.
      const enqueue = (work: () => Promise<void>): void => {
        chain = chain.then(work).catch((error: unknown) => settle(() => reject(error)));
      };
      subscription.stop = ctx.client.subscribe(BuildLogStreamDocument, () => ({ buildId, afterSeq: cursor.lastSeq }), {
        next: ({ buildLogs }) =>
          enqueue(async () => {
            if (reconnecting) {
              reconnecting = false;
              ctx.out.info(`Reconnected: going on after line ${cursor.lastSeq}`);
            }
            await handle(buildLogs.lines);
            if (buildLogs.finished) finalStatus = buildLogs.status;
          }),
        error: (error) => enqueue(() => Promise.reject(error)),
        complete: () => enqueue(async () => settle(() => resolve('finished'))),
        reconnecting: (attempt, delayMs, cause) => {
          reconnecting = true;
          const wait = `${(delayMs / 1000).toFixed(1)} s`;
          ctx.out.info(
            attempt === 1
              ? `Lost the connection to the API (${cause.message}); reconnecting in ${wait}…`
              : `Still cannot reach the API; reconnecting in ${wait} (attempt ${attempt})…`,
          );
        },
      });
      if (settled) subscription.stop();
    });

  // A connection made again after the session's access token expired is refused: renew the
  // session (a request does, when it is refused for that) and subscribe again, once per stretch
  // of log, so that a credential that is really refused still ends the follower.
  let outcome: 'finished' | 'interrupted';
  let renewedAt: number | undefined;
  for (;;) {
    try {
      outcome = await subscribeOnce();
      break;
    } catch (error) {
      if (!isCredentialRefusal(error) || renewedAt === cursor.lastSeq) throw error;
      renewedAt = cursor.lastSeq;
      await withReconnect(ctx, () => ctx.request(BuildDocument, { id: buildId }));
      ctx.out.info(`Signed in again: going on after line ${cursor.lastSeq}`);
    }
  }

  if (outcome === 'interrupted') {
    options.onInterrupt?.();
    return { status: undefined, build: undefined };
  }
  // Whatever the stream ended with, the stored log is complete once the build has ended.
  await printStored(ctx, buildId, cursor, printer);
  const { build } = await withReconnect(ctx, () => ctx.request(BuildDocument, { id: buildId }));
  return { status: finalStatus ?? build.status, build };
}

/** The exit status of a build's outcome: 0 when it succeeded, 1 otherwise. */
export function exitStatusOf(status: BuildStatus | undefined): number {
  return status === 'SUCCEEDED' ? 0 : 1;
}
