import { LiveStream } from './live-stream';

interface Message {
  projectId: string;
  n: number;
}

/** A source that yields what a test pushes, and records whether it was closed. */
function pushSource(): { source: AsyncIterator<Message>; push(m: Message): void; closed(): boolean } {
  const queue: Message[] = [];
  const waiting: ((r: IteratorResult<Message>) => void)[] = [];
  let closed = false;
  return {
    push: (m) => (waiting.length > 0 ? waiting.shift()!({ done: false, value: m }) : queue.push(m)),
    closed: () => closed,
    source: {
      next: () =>
        queue.length > 0
          ? Promise.resolve({ done: false, value: queue.shift()! })
          : new Promise((resolve) => waiting.push(resolve)),
      return: () => {
        closed = true;
        waiting.splice(0).forEach((w) => w({ done: true, value: undefined }));
        return Promise.resolve({ done: true, value: undefined });
      },
    },
  };
}

const inProject = (m: Message): boolean => m.projectId === 'p1';

describe('LiveStream', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('delivers the messages of its own tenant only', async () => {
    const { source, push } = pushSource();
    const sut = new LiveStream(source, inProject, async () => undefined, 5_000);
    push({ projectId: 'p2', n: 1 });
    push({ projectId: 'p1', n: 2 });

    expect(await sut.next()).toEqual({ done: false, value: { projectId: 'p1', n: 2 } });
    await sut.return();
  });

  it('ends with the error of a failed timed check, and closes its source, while waiting for a message', async () => {
    const { source, closed } = pushSource();
    const denied = new Error('access ended');
    let allowed = true;
    const sut = new LiveStream(source, inProject, async () => (allowed ? undefined : denied), 5_000);
    const outcome = sut.next().then(
      () => 'delivered',
      (error: unknown) => error,
    );
    allowed = false;

    await jest.advanceTimersByTimeAsync(5_000);

    expect(await outcome).toBe(denied);
    expect(closed()).toBe(true);
    expect(await sut.next()).toEqual({ done: true, value: undefined });
  });

  it('re-checks before delivering a message when its last check is older than the interval', async () => {
    const { source, push } = pushSource();
    const denied = new Error('access ended');
    const check = jest.fn(async () => denied);
    const sut = new LiveStream(source, inProject, check, 5_000);
    // The interval timer would re-check too; move the clock without running it.
    jest.setSystemTime(Date.now() + 6_000);
    push({ projectId: 'p1', n: 1 });

    await expect(sut.next()).rejects.toBe(denied);
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('does not re-check before each message while the last check is recent', async () => {
    const { source, push } = pushSource();
    const check = jest.fn(async () => undefined);
    const sut = new LiveStream(source, inProject, check, 5_000);
    push({ projectId: 'p1', n: 1 });
    push({ projectId: 'p1', n: 2 });

    await sut.next();
    await sut.next();

    expect(check).not.toHaveBeenCalled();
    await sut.return();
  });

  it('closes its source at once when the subscriber leaves while no message has come', async () => {
    const { source, closed } = pushSource();
    const check = jest.fn(async () => undefined);
    const sut = new LiveStream(source, inProject, check, 5_000);
    const pending = sut.next();

    await sut.return();

    expect(closed()).toBe(true);
    expect(await pending).toEqual({ done: true, value: undefined });
    await jest.advanceTimersByTimeAsync(20_000);
    expect(check).not.toHaveBeenCalled();
  });

  it('ends at once when asked to re-check and access has ended, without waiting for the interval', async () => {
    const { source, closed } = pushSource();
    const denied = new Error('access ended');
    const ended = jest.fn();
    const sut = new LiveStream(source, inProject, async () => denied, 300_000, undefined, ended);
    const outcome = sut.next().then(
      () => 'delivered',
      (error: unknown) => error,
    );

    await sut.recheckNow();

    expect(await outcome).toBe(denied);
    expect(closed()).toBe(true);
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it('checks again after a check that was under way when asked, since it may have read the old access', async () => {
    const { source } = pushSource();
    let release!: () => void;
    const answers: Promise<Error | undefined>[] = [
      new Promise((resolve) => (release = () => resolve(undefined))),
      Promise.resolve(new Error('removed')),
    ];
    const check = jest.fn(() => answers.shift()!);
    const sut = new LiveStream(source, inProject, check, 5_000);
    const outcome = sut.next().then(
      () => 'delivered',
      (error: unknown) => (error as Error).message,
    );
    await jest.advanceTimersByTimeAsync(5_000);
    expect(check).toHaveBeenCalledTimes(1);

    const again = sut.recheckNow();
    release();
    await again;

    expect(check).toHaveBeenCalledTimes(2);
    expect(await outcome).toBe('removed');
  });

  it('holds a message that comes while a check is under way, and drops it when the check fails', async () => {
    const { source, push } = pushSource();
    let answer!: (failure: Error | undefined) => void;
    const check = jest.fn(() => new Promise<Error | undefined>((resolve) => (answer = resolve)));
    const sut = new LiveStream(source, inProject, check, 300_000);
    const outcome = sut.next().then(
      (result) => result,
      (error: unknown) => error,
    );
    const rechecked = sut.recheckNow();
    // The event announcing the removal comes right behind the invalidation.
    push({ projectId: 'p1', n: 1 });
    await jest.advanceTimersByTimeAsync(0);

    const denied = new Error('removed');
    answer(denied);
    await rechecked;

    expect(await outcome).toBe(denied);
  });

  it('waits for the check queued behind the one under way before delivering', async () => {
    const { source, push } = pushSource();
    const answers: ((failure: Error | undefined) => void)[] = [];
    const check = jest.fn(() => new Promise<Error | undefined>((resolve) => answers.push(resolve)));
    const sut = new LiveStream(source, inProject, check, 300_000);
    const outcome = sut.next().then(
      (result) => result,
      (error: unknown) => error,
    );
    void sut.recheckNow();
    const again = sut.recheckNow();
    push({ projectId: 'p1', n: 1 });
    await jest.advanceTimersByTimeAsync(0);
    answers[0]!(undefined);
    await jest.advanceTimersByTimeAsync(0);
    expect(check).toHaveBeenCalledTimes(2);

    const denied = new Error('removed');
    answers[1]!(denied);
    await again;

    expect(await outcome).toBe(denied);
  });

  it('delivers a message held for a check once the check passes', async () => {
    const { source, push } = pushSource();
    let answer!: (failure: Error | undefined) => void;
    const check = jest.fn(() => new Promise<Error | undefined>((resolve) => (answer = resolve)));
    const sut = new LiveStream(source, inProject, check, 300_000);
    const outcome = sut.next();
    void sut.recheckNow();
    push({ projectId: 'p1', n: 1 });
    await jest.advanceTimersByTimeAsync(0);

    answer(undefined);

    expect(await outcome).toEqual({ done: false, value: { projectId: 'p1', n: 1 } });
    await sut.return();
  });

  it('asks a filter that answers later which messages to deliver, in order', async () => {
    const { source, push } = pushSource();
    const asked: number[] = [];
    const odd = async (m: Message): Promise<boolean> => {
      asked.push(m.n);
      await Promise.resolve();
      return m.n % 2 === 1;
    };
    const sut = new LiveStream(source, odd, async () => undefined, 300_000);
    for (const n of [1, 2, 3]) push({ projectId: 'p1', n });

    expect((await sut.next()).value).toEqual({ projectId: 'p1', n: 1 });
    expect((await sut.next()).value).toEqual({ projectId: 'p1', n: 3 });
    expect(asked).toEqual([1, 2, 3]);
    await sut.return();
  });

  it('tells whoever keeps it once it ends, however it ends', async () => {
    const { source } = pushSource();
    const ended = jest.fn();
    const sut = new LiveStream(source, inProject, async () => undefined, 5_000, undefined, ended);

    await sut.return();
    await sut.return();

    expect(ended).toHaveBeenCalledTimes(1);
  });
});
