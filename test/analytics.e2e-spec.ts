import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { AnalyticsException } from '../src/analytics/analytics.exception';
import { MetricBucketRecord } from '../src/analytics/metric-bucket.schema';
import { MetricPointRecord } from '../src/analytics/metric-point.schema';
import { MetricSeriesRecord } from '../src/analytics/metric-series.schema';
import { MetricsQueryService } from '../src/analytics/metrics-query.service';
import { MetricsRecorderService } from '../src/analytics/metrics-recorder.service';
import type { MetricPoint } from '../src/analytics/metrics.types';
import { MetricAggregate } from '../src/analytics/models/metric-aggregate.enum';
import { percentile } from '../src/common/stats/percentile';
import { createProject, registerUser, type TestUser } from './support/factories';
import type { Project } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const SKETCH_ERROR = 0.01 * (1 + 1e-9);

/** A seeded generator (mulberry32), so that every run records the same values. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const QUANTILE_OF: Partial<Record<MetricAggregate, number>> = { P50: 0.5, P95: 0.95, P99: 0.99 };

/** What an aggregate of `values` is, computed here from the values themselves. */
function expectedOf(values: number[], aggregate: MetricAggregate): number | null {
  if (values.length === 0) return null;
  const sum = values.reduce((a, b) => a + b, 0);
  const mean = sum / values.length;
  switch (aggregate) {
    case MetricAggregate.SUM:
      return sum;
    case MetricAggregate.AVG:
      return mean;
    case MetricAggregate.MIN:
      return Math.min(...values);
    case MetricAggregate.MAX:
      return Math.max(...values);
    case MetricAggregate.COUNT:
      return values.length;
    case MetricAggregate.STDDEV:
      return Math.sqrt(values.reduce((acc, v) => acc + (v - mean) ** 2, 0) / values.length);
    default:
      return percentile(
        [...values].sort((a, b) => a - b),
        QUANTILE_OF[aggregate]!,
      );
  }
}

/** The values of each step of `stepMs` from `start` (aligned), as the test sees them. */
function valuesPerStep(points: MetricPoint[], start: number, stepMs: number, steps: number): number[][] {
  const out = Array.from({ length: steps }, () => [] as number[]);
  for (const point of points) {
    const i = Math.floor((point.at!.getTime() - start) / stepMs);
    if (i >= 0 && i < steps) out[i]!.push(point.value);
  }
  return out;
}

/** Exact aggregates agree to rounding; quantiles within the sketch's relative error. */
function expectClose(actual: number | null, expected: number | null, aggregate: MetricAggregate): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  const tolerance = QUANTILE_OF[aggregate] !== undefined ? SKETCH_ERROR : 1e-9;
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(tolerance * Math.max(Math.abs(expected), 1e-9));
}

const ALL_AGGREGATES = Object.values(MetricAggregate);

describe('analytics', () => {
  let api: TestApp;
  let owner: TestUser;
  let project: Project;
  let recorder: MetricsRecorderService;
  let query: MetricsQueryService;

  beforeAll(async () => {
    api = await startTestApp({
      ANALYTICS_RAW_RETENTION_HOURS: '1',
      ANALYTICS_MAX_SERIES_PER_METRIC: '20',
      ANALYTICS_MAX_METRICS_PER_PROJECT: '30',
    });
    owner = await registerUser(api.url);
    project = await createProject(api.url, owner.accessToken);
    recorder = api.app.get(MetricsRecorderService);
    query = api.app.get(MetricsQueryService);
  });

  afterAll(async () => {
    await api?.close();
  });

  const model = <T>(record: { name: string }): Model<T> => api.app.get<Model<T>>(getModelToken(record.name));

  /** Latency-like values (log-normal, ms), with a spread of label sets. */
  function latencies(name: string, count: number, oldestMs: number, seed: number, newestMs = 0): MetricPoint[] {
    const next = random(seed);
    const now = Date.now();
    return Array.from({ length: count }, () => {
      const normal = Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next());
      return {
        name,
        value: Math.round(Math.exp(4 + 0.8 * normal) * 1000) / 1000,
        unit: 'ms',
        labels: { region: next() < 0.5 ? 'eu' : 'us', route: ['/a', '/b', '/c'][Math.floor(next() * 3)]! },
        at: new Date(now - newestMs - Math.floor(next() * (oldestMs - newestMs))),
      };
    });
  }

  async function recordAll(projectId: string, points: MetricPoint[]): Promise<void> {
    for (let i = 0; i < points.length; i += 1_000) await recorder.record(projectId, points.slice(i, i + 1_000), 'user');
  }

  describe('through the services', () => {
    it('answers minute steps with every aggregate against the values recorded', async () => {
      const points = latencies('svc.minutes', 3_000, 30 * MINUTE, 1);
      await recordAll(project.id, points);
      const to = new Date();
      const from = new Date(to.getTime() - 31 * MINUTE);
      const start = Math.floor(from.getTime() / MINUTE) * MINUTE;
      const steps = Math.ceil((to.getTime() - start) / MINUTE);
      const perStep = valuesPerStep(points, start, MINUTE, steps);
      for (const aggregate of ALL_AGGREGATES) {
        const result = await query.series(project.id, { name: 'svc.minutes', from, to, stepSeconds: 60, aggregate });
        expect(result.resolution).toBe('minute');
        expect(result.points).toHaveLength(steps);
        result.points.forEach((point, i) => {
          expect(point.at.getTime()).toBe(start + i * MINUTE);
          expectClose(point.value, expectedOf(perStep[i]!, aggregate), aggregate);
        });
      }
      // Steps of several minutes read minute buckets too, gathered per step.
      const fives = await query.series(project.id, {
        name: 'svc.minutes',
        from,
        to,
        stepSeconds: 300,
        aggregate: MetricAggregate.P95,
      });
      const fiveStart = Math.floor(from.getTime() / (5 * MINUTE)) * 5 * MINUTE;
      const perFive = valuesPerStep(points, fiveStart, 5 * MINUTE, fives.points.length);
      expect(fives.resolution).toBe('minute');
      fives.points.forEach((point, i) =>
        expectClose(point.value, expectedOf(perFive[i]!, 'P95' as MetricAggregate), MetricAggregate.P95),
      );
    });

    it('answers hour and day steps from hour and day buckets, filled by points recorded in the past', async () => {
      const points = latencies('svc.days', 6_000, 6 * DAY, 2);
      await recordAll(project.id, points);
      const to = new Date();
      for (const [stepMs, resolution, span] of [
        [HOUR, 'hour', 6 * DAY + HOUR],
        [2 * HOUR, 'hour', 6 * DAY + HOUR],
        [DAY, 'day', 7 * DAY],
      ] as const) {
        const from = new Date(to.getTime() - span);
        const start = Math.floor(from.getTime() / stepMs) * stepMs;
        for (const aggregate of ALL_AGGREGATES) {
          const result = await query.series(project.id, {
            name: 'svc.days',
            from,
            to,
            stepSeconds: stepMs / 1000,
            aggregate,
          });
          expect(result.resolution).toBe(resolution);
          const perStep = valuesPerStep(points, start, stepMs, result.points.length);
          expect(perStep.flat()).toHaveLength(points.length);
          result.points.forEach((point, i) => expectClose(point.value, expectedOf(perStep[i]!, aggregate), aggregate));
        }
      }
    });

    it('filters series by a subset of their labels', async () => {
      const points = latencies('svc.labels', 1_500, 20 * MINUTE, 3);
      await recordAll(project.id, points);
      const to = new Date();
      const from = new Date(to.getTime() - HOUR);
      const start = Math.floor(from.getTime() / HOUR) * HOUR;
      for (const labels of [{ region: 'eu' }, { region: 'us', route: '/b' }, { route: '/c' }] as Record<
        string,
        string
      >[]) {
        const chosen = points.filter((p) => Object.entries(labels).every(([k, v]) => p.labels![k] === v));
        expect(chosen.length).toBeGreaterThan(50);
        for (const aggregate of [MetricAggregate.COUNT, MetricAggregate.SUM, MetricAggregate.P99]) {
          const result = await query.series(project.id, {
            name: 'svc.labels',
            from,
            to,
            stepSeconds: 3_600,
            labels,
            aggregate,
          });
          const perStep = valuesPerStep(chosen, start, HOUR, result.points.length);
          result.points.forEach((point, i) => expectClose(point.value, expectedOf(perStep[i]!, aggregate), aggregate));
        }
      }
      const none = await query.series(project.id, {
        name: 'svc.labels',
        from,
        to,
        stepSeconds: 3_600,
        labels: { region: 'mars' },
        aggregate: MetricAggregate.COUNT,
      });
      expect(none.points.every((p) => p.value === null)).toBe(true);
    });

    it('answers a window exactly from raw points, and from minute buckets past raw retention', async () => {
      const recent = latencies('svc.window', 2_000, 40 * MINUTE, 4);
      const older = latencies('svc.window', 500, 5 * HOUR, 5, 2 * HOUR);
      await recordAll(project.id, [...recent, ...older]);
      const now = Date.now();
      const from = new Date(now - 30 * MINUTE);
      const to = new Date(now);
      for (const labels of [{}, { region: 'eu' }, { region: 'us', route: '/a' }] as Record<string, string>[]) {
        const inWindow = recent.filter(
          (p) =>
            p.at!.getTime() >= from.getTime() &&
            p.at!.getTime() < to.getTime() &&
            Object.entries(labels).every(([k, v]) => p.labels![k] === v),
        );
        for (const aggregate of ALL_AGGREGATES) {
          const value = await query.window(project.id, 'svc.window', labels, aggregate, from, to);
          // Exact: quantiles by nearest rank as well.
          const expected = expectedOf(
            inWindow.map((p) => p.value),
            aggregate,
          );
          if (QUANTILE_OF[aggregate] !== undefined) expect(value).toBe(expected);
          else expectClose(value, expected, aggregate);
        }
      }
      // Raw points are kept an hour here: older windows are read from whole minute buckets.
      const oldFrom = new Date(Math.floor((now - 5 * HOUR) / MINUTE) * MINUTE);
      const oldTo = new Date(Math.floor((now - 2 * HOUR) / MINUTE) * MINUTE);
      const oldValues = older
        .filter((p) => p.at!.getTime() >= oldFrom.getTime() && p.at!.getTime() < oldTo.getTime())
        .map((p) => p.value);
      for (const aggregate of ALL_AGGREGATES) {
        const value = await query.window(project.id, 'svc.window', {}, aggregate, oldFrom, oldTo);
        expectClose(value, expectedOf(oldValues, aggregate), aggregate);
      }
      expect(
        await query.window(
          project.id,
          'svc.window',
          {},
          MetricAggregate.COUNT,
          new Date(now - 10 * DAY),
          new Date(now - 9 * DAY),
        ),
      ).toBeNull();
      expect(await query.window(project.id, 'svc.nothing', {}, MetricAggregate.SUM, from, to)).toBeNull();
    });

    it('adds concurrent points of one minute into one bucket per resolution, and keeps raw points within raw retention', async () => {
      const now = Date.now();
      const at = new Date(Math.floor(now / MINUTE) * MINUTE - 10 * MINUTE);
      // Concurrent batches of one series and minute: they share writes.
      await Promise.all(
        Array.from({ length: 40 }, (_v, i) =>
          recorder.record(project.id, [{ name: 'svc.merge', value: i, at }], 'user'),
        ),
      );
      await recorder.record(project.id, [{ name: 'svc.merge', value: 1, at: new Date(now - 3 * HOUR) }], 'user');
      const buckets = await model<MetricBucketRecord>(MetricBucketRecord).find({ name: 'svc.merge' }).lean();
      const minute = buckets.filter((b) => b.res === 'minute' && b.t.getTime() === at.getTime());
      expect(minute).toHaveLength(1);
      expect(minute[0]).toMatchObject({ count: 40, sum: (39 * 40) / 2, min: 0, max: 39 });
      expect(Object.values(minute[0]!.sketch).reduce((a, b) => a + b, 0)).toBe(40);
      expect(minute[0]!.expiresAt.getTime()).toBe(at.getTime() + 8 * DAY);
      const raw = await model<MetricPointRecord>(MetricPointRecord).find({ name: 'svc.merge' }).lean();
      expect(raw).toHaveLength(40);
      expect(raw[0]!.expiresAt.getTime()).toBe(at.getTime() + HOUR);
    });

    it('refuses a batch with one bad point and stores none of it', async () => {
      const good = (value: number): MetricPoint => ({ name: 'svc.refused', value, labels: { a: 'b' } });
      const cases: [MetricPoint, string][] = [
        [{ name: '9lives', value: 1 }, 'INVALID_METRIC_NAME'],
        [{ name: 'a b', value: 1 }, 'INVALID_METRIC_NAME'],
        [{ name: 'x'.repeat(129), value: 1 }, 'INVALID_METRIC_NAME'],
        [{ name: 'slipway.build.duration', value: 1 }, 'RESERVED_METRIC_NAME'],
        [{ name: 'ok', value: NaN }, 'INVALID_METRIC_VALUE'],
        [{ name: 'ok', value: Infinity }, 'INVALID_METRIC_VALUE'],
        [{ name: 'ok', value: 1e19 }, 'INVALID_METRIC_VALUE'],
        [{ name: 'ok', value: 1, unit: 'u'.repeat(33) }, 'INVALID_METRIC_UNIT'],
        [
          { name: 'ok', value: 1, labels: Object.fromEntries(Array.from({ length: 11 }, (_v, i) => [`k${i}`, 'v'])) },
          'TOO_MANY_LABELS',
        ],
        [{ name: 'ok', value: 1, labels: { 'bad-key': 'v' } }, 'INVALID_LABEL_KEY'],
        [{ name: 'ok', value: 1, labels: { key: '' } }, 'INVALID_LABEL_VALUE'],
        [{ name: 'ok', value: 1, labels: { key: 'v'.repeat(129) } }, 'INVALID_LABEL_VALUE'],
        [{ name: 'ok', value: 1, at: new Date(Date.now() + 10 * MINUTE) }, 'INVALID_METRIC_TIME'],
        [{ name: 'ok', value: 1, at: new Date(Date.now() - 8 * DAY) }, 'INVALID_METRIC_TIME'],
        [{ name: 'ok', value: 1, at: new Date(NaN) }, 'INVALID_METRIC_TIME'],
      ];
      for (const [bad, reason] of cases) {
        const refusal = await recorder.record(project.id, [good(1), good(2), bad], 'user').catch((e: unknown) => e);
        expect(refusal).toBeInstanceOf(AnalyticsException);
        expect(refusal).toMatchObject({ reason, code: 'BAD_USER_INPUT', details: { index: 2 } });
      }
      const tooMany = await recorder
        .record(
          project.id,
          Array.from({ length: 1_001 }, (_v, i) => good(i)),
          'user',
        )
        .catch((e: unknown) => e);
      expect(tooMany).toMatchObject({ reason: 'BATCH_TOO_LARGE', code: 'BAD_USER_INPUT' });
      expect(await model<MetricSeriesRecord>(MetricSeriesRecord).countDocuments({ name: 'svc.refused' })).toBe(0);
      expect(await model<MetricBucketRecord>(MetricBucketRecord).countDocuments({ name: 'svc.refused' })).toBe(0);
      // The platform may record its own names.
      await recorder.record(project.id, [{ name: 'slipway.test.metric', value: 3 }], 'platform');
      expect(
        await query.window(
          project.id,
          'slipway.test.metric',
          {},
          MetricAggregate.SUM,
          new Date(Date.now() - MINUTE),
          new Date(Date.now() + MINUTE),
        ),
      ).toBe(3);
    });

    it('bounds label sets per metric and names per project, refusing the whole batch', async () => {
      const other = await createProject(api.url, owner.accessToken);
      const point = (name: string, id: number): MetricPoint => ({ name, value: 1, labels: { id: String(id) } });
      await recorder.record(
        other.id,
        Array.from({ length: 18 }, (_v, i) => point('svc.card', i)),
        'user',
      );
      // Two more fit (20); a batch adding three refuses, adding none.
      const refused = await recorder
        .record(other.id, [point('svc.card', 100), point('svc.card', 101), point('svc.card', 102)], 'user')
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({ reason: 'LABEL_CARDINALITY_EXCEEDED', code: 'BAD_USER_INPUT' });
      const series = model<MetricSeriesRecord>(MetricSeriesRecord);
      expect(await series.countDocuments({ name: 'svc.card' })).toBe(18);
      // Concurrent batches cannot pass the bound together.
      const outcomes = await Promise.allSettled(
        [200, 201, 202, 203].map((id) => recorder.record(other.id, [point('svc.card', id)], 'user')),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
      expect(await series.countDocuments({ name: 'svc.card' })).toBe(20);
      // Known label sets still record.
      await recorder.record(other.id, [point('svc.card', 0), point('svc.card', 201)], 'user');

      // 30 names per project here: 29 more fit, then the next new name is refused.
      await recorder.record(
        other.id,
        Array.from({ length: 29 }, (_v, i) => point(`svc.name${i}`, 0)),
        'user',
      );
      const tooMany = await recorder.record(other.id, [point('svc.one-more', 0)], 'user').catch((e: unknown) => e);
      expect(tooMany).toMatchObject({ reason: 'TOO_MANY_METRICS', code: 'BAD_USER_INPUT' });
      expect(await series.countDocuments({ projectId: other.id, name: 'svc.one-more' })).toBe(0);
      await recorder.record(other.id, [point('svc.name3', 1)], 'user');
    });

    it('refuses queries with a bad step, span or too many points', async () => {
      const to = new Date();
      const base = { name: 'svc.minutes', to, aggregate: MetricAggregate.SUM };
      const refusal = (promise: Promise<unknown>) => promise.catch((e: unknown) => e);
      for (const stepSeconds of [0, -60, 30, 90, 60.5]) {
        expect(
          await refusal(query.series(project.id, { ...base, from: new Date(to.getTime() - HOUR), stepSeconds })),
        ).toMatchObject({
          reason: 'INVALID_STEP',
        });
      }
      for (const from of [to, new Date(to.getTime() + 1), new Date(NaN)]) {
        expect(await refusal(query.series(project.id, { ...base, from, stepSeconds: 60 }))).toMatchObject({
          reason: 'INVALID_TIME_RANGE',
        });
        expect(await refusal(query.window(project.id, 'svc.minutes', {}, MetricAggregate.SUM, from, to))).toMatchObject(
          {
            reason: 'INVALID_TIME_RANGE',
          },
        );
      }
      expect(
        await refusal(query.series(project.id, { ...base, from: new Date(to.getTime() - 2 * DAY), stepSeconds: 60 })),
      ).toMatchObject({ reason: 'TOO_MANY_POINTS', code: 'BAD_USER_INPUT' });
      expect(
        await refusal(
          query.series(project.id, { ...base, name: 'bad name', from: new Date(to.getTime() - HOUR), stepSeconds: 60 }),
        ),
      ).toMatchObject({ reason: 'INVALID_METRIC_NAME' });
      expect(
        await refusal(
          query.series(project.id, {
            ...base,
            labels: { 'a.b': 'c' },
            from: new Date(to.getTime() - HOUR),
            stepSeconds: 60,
          }),
        ),
      ).toMatchObject({ reason: 'INVALID_LABEL_KEY' });
    });
  });
});
