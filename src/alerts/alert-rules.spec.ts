import {
  checkFor,
  checkLabels,
  checkMetric,
  checkMuteUntil,
  checkName,
  checkThresholds,
  checkWindow,
} from './alert-rules';
import { AlertComparison } from './alert-state';
import { AlertException } from './alert.exception';

/** The reason a check refuses `run` with; fails the test when it accepts. */
function reasonOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof AlertException) return error.reason;
    throw error;
  }
  throw new Error('accepted');
}

describe('alert rule checks', () => {
  it('trims names and bounds them', () => {
    expect(checkName('  High latency ')).toBe('High latency');
    expect(reasonOf(() => checkName(' \t '))).toBe('INVALID_NAME');
    expect(reasonOf(() => checkName('x'.repeat(101)))).toBe('INVALID_NAME');
  });

  it("takes the metric names the analytics module takes, the platform's included", () => {
    expect(checkMetric('slipway.api.request')).toBe('slipway.api.request');
    expect(checkMetric('_queue:depth-1')).toBe('_queue:depth-1');
    for (const bad of ['', '1abc', 'has space', `a${'b'.repeat(128)}`]) {
      expect(reasonOf(() => checkMetric(bad))).toBe('INVALID_METRIC');
    }
  });

  it('sorts labels by key and refuses bad keys, bad values, repeats and too many', () => {
    expect(
      checkLabels([
        { key: 'zone', value: 'b' },
        { key: 'pool', value: 'a' },
      ]),
    ).toEqual([
      { key: 'pool', value: 'a' },
      { key: 'zone', value: 'b' },
    ]);
    expect(reasonOf(() => checkLabels([{ key: 'a-b', value: 'x' }]))).toBe('INVALID_LABELS');
    expect(reasonOf(() => checkLabels([{ key: 'a', value: '' }]))).toBe('INVALID_LABELS');
    expect(reasonOf(() => checkLabels([{ key: 'a', value: 'x'.repeat(129) }]))).toBe('INVALID_LABELS');
    expect(
      reasonOf(() =>
        checkLabels([
          { key: 'a', value: 'x' },
          { key: 'a', value: 'y' },
        ]),
      ),
    ).toBe('INVALID_LABELS');
    expect(reasonOf(() => checkLabels(Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, value: 'v' }))))).toBe(
      'INVALID_LABELS',
    );
  });

  it('bounds the window and the for duration', () => {
    expect([checkWindow(1), checkWindow(86_400), checkFor(0), checkFor(86_400)]).toEqual([1, 86_400, 0, 86_400]);
    expect([0, 86_401, 1.5].map((s) => reasonOf(() => checkWindow(s)))).toEqual(Array(3).fill('INVALID_WINDOW'));
    expect([-1, 86_401, 0.5].map((s) => reasonOf(() => checkFor(s)))).toEqual(Array(3).fill('INVALID_FOR'));
  });

  it('keeps the recovery threshold on the safe side of the threshold', () => {
    expect(() => checkThresholds(AlertComparison.GT, 100, null)).not.toThrow();
    expect(() => checkThresholds(AlertComparison.GT, 100, 100)).not.toThrow();
    expect(() => checkThresholds(AlertComparison.LTE, 10, 15)).not.toThrow();
    expect(reasonOf(() => checkThresholds(AlertComparison.GTE, 100, 101))).toBe('INVALID_RECOVERY_THRESHOLD');
    expect(reasonOf(() => checkThresholds(AlertComparison.LT, 10, 9))).toBe('INVALID_RECOVERY_THRESHOLD');
    expect(reasonOf(() => checkThresholds(AlertComparison.GT, Number.NaN, null))).toBe('INVALID_THRESHOLD');
  });

  it('takes a mute that ends in the future, within 30 days', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const inDays = (days: number): Date => new Date(now.getTime() + days * 86_400_000);
    expect(checkMuteUntil(inDays(30), now)).toEqual(inDays(30));
    expect(reasonOf(() => checkMuteUntil(now, now))).toBe('INVALID_MUTE');
    expect(reasonOf(() => checkMuteUntil(inDays(30.001), now))).toBe('INVALID_MUTE');
  });
});
