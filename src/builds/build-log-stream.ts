import type { PubSubEngine } from 'graphql-subscriptions';
import type { LogLineRecord } from './build-log.schema';
import type { BuildStatus } from './build.schema';

/** The PubSub trigger a build's new log lines are published on, by the worker that runs it. */
export const buildLogTrigger = (buildId: string): string => `build-log:${buildId}`;

/** What the worker publishes: lines just stored, or, once, that the build has ended. */
export interface BuildLogMessage {
  projectId: string;
  buildId: string;
  lines: LogLineRecord[];
  /** Set on the last message: how the build ended and its last sequence number. */
  finished?: { status: BuildStatus; lastSeq: number };
}

/** What a subscriber receives: lines in order, and on the last batch, how the build ended. */
export interface BuildLogBatchMessage {
  projectId: string;
  lines: LogLineRecord[];
  finished: boolean;
  status: BuildStatus | null;
}

export interface StoredLog {
  /** Stored lines after `afterSeq`, at most `first`, in order. */
  lines(afterSeq: number, first: number): Promise<LogLineRecord[]>;
  /** The build's status and last stored sequence number when it has ended; undefined while it runs. */
  finished(): Promise<{ status: BuildStatus; lastSeq: number } | undefined>;
}

const REPLAY_PAGE = 1_000;

/**
 * Lines cross Redis as JSON, so their times arrive as strings. The PubSub parses a message once
 * for all the subscribers of a process and hands each the same object: the first to see it turns
 * its times into dates, in place, so that no subscriber parses them again (with 1,000 subscribers,
 * that was 1,000 parses of every line's time).
 */
function withDates(message: BuildLogMessage): void {
  if (typeof message.lines[0]?.at !== 'string') return;
  for (const line of message.lines) line.at = new Date(line.at);
}

/**
 * A build's log for one subscriber: what is stored after `afterSeq`, then what the worker
 * publishes, with no line lost or repeated at the seam. It subscribes before it reads, keeps live
 * messages while it replays, drops lines it has already sent (a message may arrive twice), reads
 * any gap back from the store, and ends after the build's last line.
 */
export class BuildLogStream implements AsyncIterator<BuildLogBatchMessage> {
  private sent: number;
  private readonly live: BuildLogMessage[] = [];
  private wake: (() => void) | undefined;
  private subscription: number | undefined;
  private started = false;
  private closed = false;
  /** Whether lines after `sent` may be in the store but not in the live messages kept. */
  private readStore = true;
  private end: { status: BuildStatus; lastSeq: number } | undefined;

  constructor(
    private readonly pubSub: PubSubEngine,
    private readonly store: StoredLog,
    private readonly buildId: string,
    private readonly projectId: string,
    afterSeq: number,
  ) {
    this.sent = afterSeq;
  }

  async next(): Promise<IteratorResult<BuildLogBatchMessage>> {
    if (!this.started) await this.start();
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      if (this.end && this.sent >= this.end.lastSeq) return this.finish();
      if (this.readStore) {
        const stored = (await this.store.lines(this.sent, REPLAY_PAGE)).filter(
          (l) => !this.end || l.seq <= this.end.lastSeq,
        );
        this.readStore = stored.length === REPLAY_PAGE;
        if (stored.length > 0) return this.emit(stored);
        // The worker stores every line before it says the build ended: nothing more is coming.
        if (this.end) return this.finish();
      }
      const message = this.live.shift();
      if (message) {
        if (message.finished) {
          this.end = message.finished;
          this.readStore = this.sent < this.end.lastSeq;
        }
        const fresh = message.lines.filter((l) => l.seq > this.sent);
        if (fresh.length === 0) continue;
        if (fresh[0]!.seq === this.sent + 1) return this.emit(this.withQueued(fresh));
        // Lines between what was sent and this message were published before the subscription
        // was made (or lost): read them back, then this message's lines come from the store too.
        this.readStore = true;
        continue;
      }
      if (this.end) {
        this.readStore = true;
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async return(): Promise<IteratorResult<BuildLogBatchMessage>> {
    this.close();
    return { done: true, value: undefined };
  }

  private async start(): Promise<void> {
    this.started = true;
    this.subscription = await this.pubSub.subscribe(
      buildLogTrigger(this.buildId),
      (message: BuildLogMessage) => {
        withDates(message);
        this.live.push(message);
        this.wake?.();
        this.wake = undefined;
      },
      {},
    );
    // Read after subscribing: a build that ends from now on says so on the subscription.
    this.end = await this.store.finished();
  }

  /**
   * `lines`, followed by the lines of the live messages queued behind them while they follow on
   * without a gap, up to a page: a subscriber that has fallen behind catches up in fewer, larger
   * batches, each one execution of its operation and one WebSocket message, instead of one per
   * message the worker published.
   */
  private withQueued(lines: LogLineRecord[]): LogLineRecord[] {
    // `lines` is this subscriber's own array (filtered from the shared message): it can grow.
    for (let next = this.live[0]; next && !next.finished; next = this.live[0]) {
      const last = lines.at(-1)!.seq;
      const fresh = next.lines.filter((l) => l.seq > last);
      if (fresh.length > 0) {
        if (fresh[0]!.seq !== last + 1 || lines.length + fresh.length > REPLAY_PAGE) break;
        for (const line of fresh) lines.push(line);
      }
      this.live.shift();
    }
    return lines;
  }

  private emit(lines: LogLineRecord[]): IteratorResult<BuildLogBatchMessage> {
    this.sent = lines.at(-1)!.seq;
    return { done: false, value: { projectId: this.projectId, lines, finished: false, status: null } };
  }

  /** The last batch, empty, says how the build ended; the stream completes after it. */
  private finish(): IteratorResult<BuildLogBatchMessage> {
    const status = this.end!.status;
    this.close();
    return { done: false, value: { projectId: this.projectId, lines: [], finished: true, status } };
  }

  private close(): void {
    if (this.subscription !== undefined) this.pubSub.unsubscribe(this.subscription);
    this.subscription = undefined;
    this.closed = true;
    this.wake?.();
    this.wake = undefined;
  }
}

/** The PubSub trigger that tells the worker running a build to stop it. */
export const buildCancelTrigger = (buildId: string): string => `build-cancel:${buildId}`;
