/**
 * An event stream that stays open only while its subscriber may see it: messages of other
 * tenants are dropped, access is re-checked on a timer and before any message once the last check
 * is older than the interval, and when a check fails the stream ends with that error. `return()`
 * reaches the source at once, even while it waits for a message, so an abandoned stream never keeps
 * its subscription alive.
 */
export class LiveStream<T> implements AsyncIterableIterator<T> {
  private ended = false;
  private failure: Error | undefined;
  private checkedAt = Date.now();
  private checking: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly failed: Promise<never>;
  private fail!: (error: Error) => void;

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly accept: (message: T) => boolean,
    private readonly check: () => Promise<Error | undefined>,
    private readonly recheckEveryMs: number,
  ) {
    this.failed = new Promise<never>((_resolve, reject) => (this.fail = reject));
    // Observed through next(); a stream nobody reads must not report an unhandled rejection.
    this.failed.catch(() => undefined);
    this.timer = setInterval(() => void this.recheck(), recheckEveryMs);
    this.timer.unref();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  async next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.failure) return this.end(this.failure);
      if (this.ended) return { done: true, value: undefined };
      let result: IteratorResult<T>;
      try {
        result = await Promise.race([this.source.next(), this.failed]);
      } catch (error) {
        return this.end(this.failure ?? (error as Error));
      }
      if (result.done) {
        await this.close();
        return result;
      }
      if (!this.accept(result.value)) continue;
      if (Date.now() - this.checkedAt >= this.recheckEveryMs) await this.recheck();
      if (!this.failure) return result;
    }
  }

  async return(): Promise<IteratorResult<T>> {
    await this.close();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    await this.close();
    throw error;
  }

  private recheck(): Promise<void> {
    this.checking ??= this.check()
      .catch((error: unknown) => error as Error)
      .then((failure) => {
        this.checkedAt = Date.now();
        this.checking = undefined;
        if (failure && !this.ended && !this.failure) {
          this.failure = failure;
          this.fail(failure);
        }
      });
    return this.checking;
  }

  private async end(failure: Error): Promise<never> {
    this.failure = undefined;
    await this.close();
    throw failure;
  }

  private async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    await this.source.return?.();
  }
}
