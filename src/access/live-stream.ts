/**
 * An event stream that stays open only while its subscriber may see it: messages of other
 * tenants are dropped, access is re-checked on a timer and before any message once the last check
 * is older than the interval, and when a check fails the stream ends with that error. A message is
 * delivered only once any check under way has answered, so a subscriber whose access was just
 * taken away receives nothing more, not even the event announcing it. `return()`
 * reaches the source at once, even while it waits for a message, so an abandoned stream never keeps
 * its subscription alive.
 */
export class LiveStream<T> implements AsyncIterableIterator<T> {
  private ended = false;
  private sourceClosed = false;
  private endReported = false;
  private failure: Error | undefined;
  private checkedAt = Date.now();
  private checking: Promise<void> | undefined;
  /** A check asked for while one was under way: it runs once that one is done. */
  private checkingAgain: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly source: AsyncIterator<T>,
    /** Whether the subscriber may see a message; it may have to look up what they hold. */
    private readonly accept: (message: T) => boolean | Promise<boolean>,
    private readonly check: () => Promise<Error | undefined>,
    private readonly recheckEveryMs: number,
    private readonly onFailure: (failure: Error) => void = () => undefined,
    private readonly onEnd: () => void = () => undefined,
  ) {
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
      // A failed check closes the source, which wakes this read with `done`.
      const result = await this.source.next();
      if (this.failure) return this.end(this.failure);
      if (result.done) {
        await this.close();
        return result;
      }
      if (!(await this.accept(result.value))) continue;
      if (this.failure || this.ended) continue;
      if (Date.now() - this.checkedAt >= this.recheckEveryMs) await this.recheck();
      // A check under way was asked for because access may just have changed: the message may be
      // one announcing that change (`member.removed`), so it waits for the answer.
      await this.checksSettled();
      if (!this.failure && !this.ended) return result;
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

  /**
   * Checks access now, as when the subscriber's access may just have changed. A check already
   * under way may have read what was true before the change, so another one follows it.
   */
  recheckNow(): Promise<void> {
    if (this.ended || this.failure) return Promise.resolve();
    const running = this.checking;
    if (!running) return this.recheck();
    this.checkingAgain ??= running.then(() => {
      this.checkingAgain = undefined;
      return this.ended || this.failure ? undefined : this.recheck();
    });
    return this.checkingAgain;
  }

  /** Waits for the check under way, and for the one queued behind it, if any. */
  private async checksSettled(): Promise<void> {
    for (;;) {
      const pending = this.checkingAgain ?? this.checking;
      if (!pending || this.failure || this.ended) return;
      await pending;
    }
  }

  private recheck(): Promise<void> {
    this.checking ??= this.check()
      .catch((error: unknown) => error as Error)
      .then(async (failure) => {
        this.checkedAt = Date.now();
        this.checking = undefined;
        if (failure && !this.ended && !this.failure) {
          this.failure = failure;
          this.onFailure(failure);
          clearInterval(this.timer);
          this.reportEnd();
          await this.closeSource();
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
    this.reportEnd();
    await this.closeSource();
  }

  private reportEnd(): void {
    if (this.endReported) return;
    this.endReported = true;
    this.onEnd();
  }

  private async closeSource(): Promise<void> {
    if (this.sourceClosed) return;
    this.sourceClosed = true;
    await this.source.return?.();
  }
}
