import { Logger } from '@nestjs/common';

interface Outgoing {
  channel: string;
  payload: unknown;
  delivered: () => void;
}

export interface PublishOutboxOptions {
  /** How long `publish` waits for Redis before it lets the caller go on (the message stays queued). */
  waitMs: number;
  /** Messages kept while Redis is unreachable; past it the oldest are dropped, loudly. */
  maxPending: number;
  /** First pause between checks while Redis is unreachable; it doubles up to five seconds. */
  retryMs: number;
}

const RETRY_MAX_MS = 5_000;

/**
 * Messages on their way to Redis pub/sub. A caller waits for its message at most `waitMs` (and
 * not at all once Redis is known to be failing), so a Redis outage never holds a response
 * hostage; the message stays queued and is sent when Redis is back. While Redis fails, only a
 * cheap `probe` (a PING) is sent, not the messages again and again: a stalled Redis keeps every
 * command written to it and runs them all when it resumes. Delivery is at least once: a message
 * that was in flight when Redis stalled may arrive twice.
 */
export class PublishOutbox {
  private readonly logger = new Logger('PubSub');
  private queue: Outgoing[] = [];
  private sending = false;
  private failing = false;
  private dropped = 0;
  private inFlight = 0;
  private closed = false;
  /** The batch being sent, while one is. */
  private flight: Promise<unknown> | undefined;

  constructor(
    private readonly send: (channel: string, payload: unknown) => Promise<unknown>,
    private readonly probe: () => Promise<unknown>,
    private readonly options: PublishOutboxOptions,
  ) {}

  /** Sends what is queued, waiting at most `waitMs`, then stops retrying. */
  async close(): Promise<void> {
    if (this.queue.length + this.inFlight > 0 && !this.failing) {
      await Promise.race([
        new Promise<void>((resolve) => {
          const last = this.queue.at(-1);
          if (!last) return resolve();
          const delivered = last.delivered;
          last.delivered = () => {
            delivered();
            resolve();
          };
        }),
        new Promise((resolve) => setTimeout(resolve, this.options.waitMs).unref()),
      ]);
    }
    // A batch Redis is taking when the wait began is let finish, so that closing the connection
    // right after does not fail it half-way.
    if (this.flight && !this.failing) {
      await Promise.race([this.flight, new Promise((resolve) => setTimeout(resolve, this.options.waitMs).unref())]);
    }
    this.closed = true;
    const unsent = this.queue.length + this.inFlight;
    if (unsent > 0) this.logger.warn(`Stopping with ${unsent} messages Redis did not take`);
  }

  /** Messages not yet accepted by Redis. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  publish(channel: string, payload: unknown): Promise<void> {
    if (this.queue.length >= this.options.maxPending) {
      this.queue.shift()!.delivered();
      if (this.dropped++ === 0) {
        this.logger.error(
          `More than ${this.options.maxPending} messages are waiting for Redis; dropping the oldest (subscribers miss those events, caches fall back to their maximum age)`,
        );
      }
    }
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.queue.push({ channel, payload, delivered: done });
      if (this.failing) done();
      else timer = setTimeout(done, this.options.waitMs).unref();
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const batch = this.queue;
        this.queue = [];
        this.inFlight = batch.length;
        // ioredis pipelines concurrent commands; sent in order, they arrive in order.
        const sending = Promise.allSettled(batch.map((m) => this.send(m.channel, m.payload)));
        this.flight = sending;
        const results = await sending;
        this.flight = undefined;
        this.inFlight = 0;
        const unsent = batch.filter((_, i) => results[i]!.status === 'rejected');
        for (const [i, message] of batch.entries()) if (results[i]!.status === 'fulfilled') message.delivered();
        if (unsent.length === 0) {
          if (this.failing) this.recovered();
          continue;
        }
        this.queue = [...unsent, ...this.queue];
        if (!this.failing) {
          this.failing = true;
          const reason = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as Error;
          this.logger.warn(`Publishing to Redis failed (${reason.message}); messages are kept and retried`);
          for (const message of this.queue) message.delivered();
        }
        await this.waitForRedis();
      }
    } finally {
      this.sending = false;
    }
  }

  /** Probes Redis with growing pauses until it answers (or the outbox is closed). */
  private async waitForRedis(): Promise<void> {
    let pause = this.options.retryMs;
    while (!this.closed) {
      await new Promise((resolve) => setTimeout(resolve, pause).unref());
      try {
        await this.probe();
        return;
      } catch {
        pause = Math.min(pause * 2, RETRY_MAX_MS);
      }
    }
  }

  private recovered(): void {
    this.failing = false;
    this.logger.log(
      `Publishing to Redis works again${this.dropped > 0 ? `; ${this.dropped} messages were dropped meanwhile` : ''}`,
    );
    this.dropped = 0;
  }
}
