import { SlipwayError } from '../../client/src';
import { exitStatusOf, isCredentialRefusal, isNetworkError, LogCursor, retryDelayMs, type LogLine } from './follow';

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

describe('retryDelayMs', () => {
  it('doubles from 250 ms up to 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(retryDelayMs)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
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
