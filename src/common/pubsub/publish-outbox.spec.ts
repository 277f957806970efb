import { Logger } from '@nestjs/common';
import { PublishOutbox } from './publish-outbox';

/** A Redis stand-in that fails or hangs until told to work. */
function flakyRedis() {
  const sent: string[] = [];
  let mode: 'up' | 'failing' | 'hanging' = 'up';
  let attempts = 0;
  return {
    sent,
    attempts: () => attempts,
    set: (next: typeof mode) => (mode = next),
    probe: (): Promise<void> => (mode === 'up' ? Promise.resolve() : Promise.reject(new Error('Command timed out'))),
    send: (channel: string): Promise<void> => {
      attempts++;
      if (mode === 'failing') return Promise.reject(new Error('Connection is closed.'));
      if (mode === 'hanging') return new Promise(() => undefined);
      sent.push(channel);
      return Promise.resolve();
    },
  };
}

const options = { waitMs: 50, maxPending: 3, retryMs: 10 };
const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
};

describe('PublishOutbox', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['error', 'warn', 'log']));

  it('lets the caller go after waitMs when Redis does not answer', async () => {
    const redis = flakyRedis();
    redis.set('hanging');
    const outbox = new PublishOutbox(redis.send, redis.probe, { ...options, waitMs: 30 });

    const started = Date.now();
    await outbox.publish('a', {});

    expect(Date.now() - started).toBeLessThan(500);
    expect(outbox.pending).toBe(1);
  });

  it('keeps messages while Redis fails and sends them in order once it is back', async () => {
    const redis = flakyRedis();
    redis.set('failing');
    const outbox = new PublishOutbox(redis.send, redis.probe, options);

    await outbox.publish('a', {});
    await outbox.publish('b', {});
    expect(redis.sent).toEqual([]);
    redis.set('up');
    await outbox.publish('c', {});

    await until(() => outbox.pending === 0);
    expect(redis.sent).toEqual(['a', 'b', 'c']);
  });

  it('drops the oldest messages past maxPending', async () => {
    const redis = flakyRedis();
    redis.set('failing');
    const outbox = new PublishOutbox(redis.send, redis.probe, options);

    for (const channel of ['a', 'b', 'c', 'd', 'e']) await outbox.publish(channel, {});
    redis.set('up');

    await until(() => outbox.pending === 0);
    expect(redis.sent).toEqual(['c', 'd', 'e']);
  });

  it('probes a failing Redis instead of sending the same messages again and again', async () => {
    const redis = flakyRedis();
    redis.set('failing');
    const outbox = new PublishOutbox(redis.send, redis.probe, options);

    await outbox.publish('a', {});
    await outbox.publish('b', {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    const attemptsWhileFailing = redis.attempts();
    redis.set('up');

    await until(() => outbox.pending === 0);
    expect(attemptsWhileFailing).toBeLessThanOrEqual(2);
    expect(redis.sent).toEqual(['a', 'b']);
  });
  it('lets a batch Redis is taking finish before it closes', async () => {
    let answer: (() => void) | undefined;
    const sent: string[] = [];
    const outbox = new PublishOutbox(
      (channel) =>
        new Promise<void>((resolve) => {
          answer = () => {
            sent.push(channel);
            resolve();
          };
        }),
      () => Promise.resolve(),
      { ...options, waitMs: 1_000 },
    );
    void outbox.publish('in flight', {});
    await until(() => answer !== undefined);

    const closing = outbox.close();
    let closed = false;
    void closing.then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Still waiting for Redis to take the batch: the connection must not be closed under it yet.
    expect(closed).toBe(false);
    answer!();
    await closing;
    expect(sent).toEqual(['in flight']);
    expect(outbox.pending).toBe(0);
  });
});
