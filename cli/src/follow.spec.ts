import { backoffMs, SlipwayError } from '../../client/src';
import {
  exitStatusOf,
  interruptible,
  Interrupted,
  isCredentialRefusal,
  isNetworkError,
  LogCursor,
  lostConnectionNote,
  Outage,
  pause,
  untilAborted,
  withReconnect,
  type LogLine,
} from './follow';

/** A context whose notes on stderr are kept. */
function quietContext(): { out: { info(text: string): void }; notes: string[] } {
  const notes: string[] = [];
  return { out: { info: (text: string) => notes.push(text) }, notes };
}

const unreachable = (): Promise<never> => Promise.reject(new SlipwayError('connect ECONNREFUSED', 'NETWORK_ERROR'));

function lines(...seqs: number[]): LogLine[] {
  return seqs.map((seq) => ({ seq, step: 'build', stream: 'stdout', text: `line ${seq}` }));
}

function seqsOf(taken: LogLine[]): number[] {
  return taken.map((line) => line.seq);
}

describe('LogCursor', () => {
  it('takes consecutive lines from the start and remembers the last', () => {
    const cursor = new LogCursor();
    expect(cursor.plan(lines(1, 2, 3))).toEqual({ fresh: lines(1, 2, 3), missing: undefined });
    expect(seqsOf(cursor.advance(lines(1, 2, 3)))).toEqual([1, 2, 3]);
    expect(cursor.lastSeq).toBe(3);
  });

  it('drops lines already printed when a resubscription replays an overlap', () => {
    const cursor = new LogCursor(5);
    const { fresh, missing } = cursor.plan(lines(4, 5, 6, 7));
    expect(missing).toBeUndefined();
    expect(seqsOf(fresh)).toEqual([6, 7]);
    expect(seqsOf(cursor.advance(lines(4, 5, 6, 7)))).toEqual([6, 7]);
    expect(cursor.advance(lines(6, 7))).toEqual([]);
    expect(cursor.lastSeq).toBe(7);
  });

  it('drops a line that comes twice in one batch and sorts a batch out of order', () => {
    const cursor = new LogCursor();
    const { fresh } = cursor.plan(lines(2, 1, 2, 3));
    expect(seqsOf(fresh)).toEqual([1, 2, 3]);
    expect(seqsOf(cursor.advance(fresh))).toEqual([1, 2, 3]);
  });

  it('reports the hole when a batch starts past the next line, and never takes a line after it', () => {
    const cursor = new LogCursor(3);
    const { fresh, missing } = cursor.plan(lines(7, 8));
    expect(missing).toEqual({ afterSeq: 3, beforeSeq: 7 });
    expect(cursor.advance(fresh)).toEqual([]);
    expect(cursor.lastSeq).toBe(3);
    // Once the store has given 4 to 6, the batch follows on.
    expect(seqsOf(cursor.advance(lines(4, 5, 6)))).toEqual([4, 5, 6]);
    expect(seqsOf(cursor.advance(fresh))).toEqual([7, 8]);
    expect(cursor.lastSeq).toBe(8);
  });

  it('stops at a hole inside a batch', () => {
    const cursor = new LogCursor();
    expect(seqsOf(cursor.advance(lines(1, 2, 4, 5)))).toEqual([1, 2]);
    expect(cursor.plan(lines(4, 5)).missing).toEqual({ afterSeq: 2, beforeSeq: 4 });
  });

  it('has nothing to do for an empty batch (the last one, which only says how the build ended)', () => {
    const cursor = new LogCursor(9);
    expect(cursor.plan([])).toEqual({ fresh: [], missing: undefined });
    expect(cursor.advance([])).toEqual([]);
    expect(cursor.lastSeq).toBe(9);
  });
});

describe('backoffMs', () => {
  it('doubles from 250 ms up to 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffMs(n))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });
});

describe('exitStatusOf', () => {
  it('is 0 only for a build that succeeded', () => {
    expect(exitStatusOf('SUCCEEDED')).toBe(0);
    for (const status of ['FAILED', 'CANCELED', 'TIMED_OUT', undefined] as const) expect(exitStatusOf(status)).toBe(1);
  });
});

describe('what the follower tries again', () => {
  it('reconnects when the API is out of reach, and signs in again when a new connection is refused', () => {
    const unreachable = new SlipwayError('Cannot reach the API', 'NETWORK_ERROR');
    const refused = new SlipwayError('The API refused the connection', 'FORBIDDEN');
    const expired = new SlipwayError('expired', 'UNAUTHENTICATED');
    const missing = new SlipwayError('Build not found', 'NOT_FOUND');
    expect([unreachable, refused, expired, missing].map(isNetworkError)).toEqual([true, false, false, false]);
    expect([unreachable, refused, expired, missing].map(isCredentialRefusal)).toEqual([false, true, true, false]);
    expect(isNetworkError(new Error('NETWORK_ERROR'))).toBe(false);
  });
});

describe('giving up on the API (--reconnect-timeout)', () => {
  it('gives up once an outage has lasted the limit in all, and starts counting again after an answer', () => {
    const outage = new Outage(120_000);
    expect(outage.failed(1_000)).toBe(false);
    expect(outage.failed(60_000)).toBe(false);
    expect(outage.failed(121_000)).toBe(true);
    outage.ended();
    expect(outage.failed(500_000)).toBe(false);
    expect(outage.failed(619_999)).toBe(false);
    expect(outage.failed(620_000)).toBe(true);
    // A connection that held for longer than the limit (a quiet build: nothing to answer) ended it too.
    expect(outage.failed(800_000)).toBe(false);
    expect(outage.failed(919_999)).toBe(false);
    // With a short limit, the pauses between attempts (up to 5 s) do not end the outage.
    const short = new Outage(2_000);
    expect([0, 250, 750, 1_750].map((at) => short.failed(at))).toEqual([false, false, false, false]);
    expect(short.failed(3_750)).toBe(true);
    const error = outage.giveUp(new Error('socket hang up'));
    expect(error).toMatchObject({ code: 'NETWORK_ERROR' });
    expect(error.message).toBe('Gave up after 120 s without reaching the API (socket hang up)');
  });

  it('tries a request again while the API is out of reach, then fails with NETWORK_ERROR', async () => {
    const ctx = quietContext();
    let calls = 0;
    const failing = (): Promise<never> => {
      calls += 1;
      return unreachable();
    };
    await expect(withReconnect(ctx as never, failing, { timeoutMs: 600 })).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      message: expect.stringMatching(/^Gave up after 1 s without reaching the API/),
    });
    expect(calls).toBeGreaterThan(1);
    expect(ctx.notes[0]).toBe('Lost the connection to the API (connect ECONNREFUSED); reconnecting in 0.3 s…');
  });

  it('ends at the first answer of the API, an error included', async () => {
    const ctx = quietContext();
    let calls = 0;
    const flaky = (): Promise<string> => (++calls < 3 ? unreachable() : Promise.resolve('answer'));
    await expect(withReconnect(ctx as never, flaky)).resolves.toBe('answer');
    expect(calls).toBe(3);
    const refused = new SlipwayError('Build not found', 'NOT_FOUND');
    await expect(withReconnect(ctx as never, () => Promise.reject(refused))).rejects.toBe(refused);
  });

  it('says the same words for every lost connection', () => {
    const cause = new Error('closed');
    expect(lostConnectionNote(cause, 1, 250)).toBe('Lost the connection to the API (closed); reconnecting in 0.3 s…');
    expect(lostConnectionNote(cause, 4, 2000)).toBe('Still cannot reach the API; reconnecting in 2.0 s (attempt 4)…');
  });
});

describe('Ctrl-C while following', () => {
  it('stops a request being tried again at once, in its pause, instead of after the whole timeout', async () => {
    const controller = new AbortController();
    const ctx = quietContext();
    const retrying = withReconnect(ctx as never, unreachable, { signal: controller.signal, timeoutMs: 120_000 });
    // Wait until it is in a pause between two attempts, then interrupt.
    while (ctx.notes.length < 3) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(retrying).rejects.toBeInstanceOf(Interrupted);
  }, 10_000);

  it('stops waiting for an answer that has not come', async () => {
    const controller = new AbortController();
    const never = new Promise<string>(() => undefined);
    const waiting = untilAborted(never, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(Interrupted);
    await expect(untilAborted(Promise.resolve(1), controller.signal)).rejects.toBeInstanceOf(Interrupted);
    await expect(untilAborted(Promise.resolve(2), new AbortController().signal)).resolves.toBe(2);
  });

  it('ends a pause at once', async () => {
    const controller = new AbortController();
    const paused = pause(60_000, controller.signal);
    controller.abort();
    await expect(paused).rejects.toBeInstanceOf(Interrupted);
  });

  it('turns SIGINT into an interruption for the whole of the work, and stops listening afterwards', async () => {
    const before = process.listenerCount('SIGINT');
    const outcome = interruptible(async (signal) => {
      await pause(60_000, signal);
      return 'finished';
    });
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    process.listeners('SIGINT').at(-1)!('SIGINT');
    await expect(outcome).resolves.toBeUndefined();
    expect(process.listenerCount('SIGINT')).toBe(before);
    await expect(interruptible(async () => 'finished')).resolves.toBe('finished');
    await expect(interruptible(() => unreachable())).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
  });
});
