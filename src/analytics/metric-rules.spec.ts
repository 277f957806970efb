import { AnalyticsException } from './analytics.exception';
import { labelsOf } from './analytics.service';
import { acceptedTimes, bucketStart, checkLabels, checkMetricName, checkPoints } from './metric-rules';

const NOW = Date.UTC(2026, 10, 27, 12, 34, 56, 789);
const EIGHT_DAYS = 8 * 86_400_000;

const reasonOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof AnalyticsException ? error.reason : 'not an AnalyticsException';
  }
};

describe('metric rules', () => {
  it('gives one label set one key, whatever the order of its labels', () => {
    const a = checkLabels({ region: 'eu', route: '/a', z: '1' });
    const b = checkLabels({ z: '1', route: '/a', region: 'eu' });
    expect(a.labelsKey).toBe(b.labelsKey);
    expect(Object.keys(b.labels)).toEqual(['region', 'route', 'z']);
    expect(checkLabels({ region: 'us', route: '/a', z: '1' }).labelsKey).not.toBe(a.labelsKey);
    expect(checkLabels({}).labelsKey).toBe('-');
    expect(checkLabels(undefined).labelsKey).toBe('-');
  });

  it('refuses __proto__ as a label key, given as an own key or as a pair from GraphQL, rather than dropping it', () => {
    const own = Object.fromEntries([['__proto__', 'x']]) as Record<string, string>;
    expect(Object.keys(own)).toEqual(['__proto__']);
    expect(reasonOf(() => checkLabels(own))).toBe('INVALID_LABEL_KEY');
    const fromPairs = labelsOf([
      { key: '__proto__', value: 'x' },
      { key: 'region', value: 'eu' },
    ]);
    expect(Object.keys(fromPairs).sort()).toEqual(['__proto__', 'region']);
    expect(Object.getPrototypeOf(fromPairs)).toBe(Object.prototype);
    expect(reasonOf(() => checkLabels(fromPairs))).toBe('INVALID_LABEL_KEY');
    expect(reasonOf(() => checkPoints([{ name: 'm', value: 1, labels: own }], 'user', NOW, EIGHT_DAYS))).toBe(
      'INVALID_LABEL_KEY',
    );
    // Keys that only look like Object.prototype's are ordinary keys.
    expect(checkLabels(labelsOf([{ key: 'constructor', value: 'x' }])).labels).toEqual({ constructor: 'x' });
  });

  it('holds names to the pattern and keeps slipway. names for the platform', () => {
    for (const name of ['a', '_x', 'http.requests', 'db:query-time', 'A'.repeat(128)]) {
      expect(checkMetricName(name, 'user')).toBe(name);
    }
    for (const name of ['', '1a', '.a', 'a b', 'a/b', 'é', 'A'.repeat(129)]) {
      expect(reasonOf(() => checkMetricName(name, 'user'))).toBe('INVALID_METRIC_NAME');
    }
    expect(reasonOf(() => checkMetricName('slipway.build.duration', 'user'))).toBe('RESERVED_METRIC_NAME');
    expect(checkMetricName('slipway.build.duration', 'platform')).toBe('slipway.build.duration');
    expect(checkMetricName('slipwayish', 'user')).toBe('slipwayish');
  });

  it('accepts times from the minute retention less an hour to five minutes ahead', () => {
    const { oldest, newest } = acceptedTimes(NOW, EIGHT_DAYS);
    const at = (time: number) => () =>
      checkPoints([{ name: 'm', value: 1, at: new Date(time) }], 'user', NOW, EIGHT_DAYS);
    expect(reasonOf(at(oldest))).toBeUndefined();
    expect(reasonOf(at(newest))).toBeUndefined();
    expect(reasonOf(at(oldest - 1))).toBe('INVALID_METRIC_TIME');
    expect(reasonOf(at(newest + 1))).toBe('INVALID_METRIC_TIME');
    expect(newest - NOW).toBe(5 * 60_000);
    expect(NOW - oldest).toBe(EIGHT_DAYS - 3_600_000);
    const [point] = checkPoints([{ name: 'm', value: -0 }], 'user', NOW, EIGHT_DAYS);
    expect(point!.at.getTime()).toBe(NOW);
    expect(Object.is(point!.value, 0)).toBe(true);
  });

  it('aligns buckets to the epoch in UTC', () => {
    expect(new Date(bucketStart(NOW, 'minute')).toISOString()).toBe('2026-11-27T12:34:00.000Z');
    expect(new Date(bucketStart(NOW, 'hour')).toISOString()).toBe('2026-11-27T12:00:00.000Z');
    expect(new Date(bucketStart(NOW, 'day')).toISOString()).toBe('2026-11-27T00:00:00.000Z');
  });
});
