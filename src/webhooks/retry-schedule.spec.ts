import { parseDuration, parseDurationList } from '../config/durations';
import { JITTER, failingGapMs, failingPeriodStart, retryDelay, retrySpan } from './retry-schedule';

describe('retryDelay', () => {
  const schedule = parseDurationList('5s,5m,30m,2h,5h,10h,14h,20h,24h')!;

  it('follows the schedule, pause n after failed attempt n', () => {
    const middle = (): number => 0.5;
    expect(retryDelay(schedule, 1, middle)).toBe(5_000);
    expect(retryDelay(schedule, 2, middle)).toBe(300_000);
    expect(retryDelay(schedule, 9, middle)).toBe(86_400_000);
  });

  it('is exhausted after the last pause', () => {
    expect(retryDelay(schedule, 10)).toBeUndefined();
    expect(retryDelay(schedule, 0)).toBeUndefined();
    expect(retryDelay([], 1)).toBeUndefined();
  });

  it('varies each pause by at most a fifth either way', () => {
    expect(retryDelay(schedule, 2, () => 0)).toBe(300_000 * (1 - JITTER));
    expect(retryDelay(schedule, 2, () => 0.999_999)).toBeCloseTo(300_000 * (1 + JITTER), -1);
    for (let i = 0; i < 200; i += 1) {
      const delay = retryDelay(schedule, 3)!;
      expect(delay).toBeGreaterThanOrEqual(1_800_000 * 0.8);
      expect(delay).toBeLessThanOrEqual(1_800_000 * 1.2);
    }
  });

  it('spans about three days by default', () => {
    const days = retrySpan(schedule) / 86_400_000;
    expect(days).toBeGreaterThan(2.9);
    expect(days).toBeLessThan(3.3);
  });
});

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['5d', 432_000_000],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 's', '5 w', '-5s', '0s', '1.5h', '5sec'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('reads lists, and refuses one with a bad or empty entry', () => {
    expect(parseDurationList('100ms, 1s,2m')).toEqual([100, 1_000, 120_000]);
    expect(parseDurationList('1s,,2s')).toBeUndefined();
    expect(parseDurationList('1s,x')).toBeUndefined();
    expect(parseDurationList('')).toBeUndefined();
  });
});

describe('failingPeriodStart', () => {
  const schedule = parseDurationList('5s,5m,30m,2h,5h,10h,14h,20h,24h')!;
  const hour = 3_600_000;
  const at = new Date('2025-03-10T12:00:00Z');
  const ago = (ms: number): Date => new Date(at.getTime() - ms);

  it('allows a quiet time of one and a half of the longest pause', () => {
    expect(failingGapMs(schedule)).toBe(36 * hour);
    expect(failingGapMs([])).toBe(0);
  });

  it('starts a period at the first failure', () => {
    expect(failingPeriodStart({ failingSince: null, lastFailureAt: null }, at, schedule)).toBe(at);
    // Recorded before the last failure was: no way to tell the period went on.
    expect(failingPeriodStart({ failingSince: ago(4 * hour), lastFailureAt: null }, at, schedule)).toBe(at);
  });

  it('continues the period while failures follow each other within the schedule', () => {
    const since = ago(4 * 24 * hour);
    expect(failingPeriodStart({ failingSince: since, lastFailureAt: ago(24 * hour * 1.2) }, at, schedule)).toBe(since);
    expect(failingPeriodStart({ failingSince: since, lastFailureAt: ago(36 * hour) }, at, schedule)).toBe(since);
  });

  it('starts a new period when the endpoint was quiet for longer since its last failure', () => {
    const since = ago(6 * 24 * hour);
    expect(failingPeriodStart({ failingSince: since, lastFailureAt: ago(36 * hour + 1) }, at, schedule)).toBe(at);
    expect(failingPeriodStart({ failingSince: since, lastFailureAt: ago(3 * 24 * hour) }, at, schedule)).toBe(at);
  });
});
