import { getQueueToken } from '@nestjs/bull';
import { getConnectionToken, getModelToken } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import { createHash } from 'node:crypto';
import type { Connection, Model } from 'mongoose';
import { AnalyticsException } from '../src/analytics/analytics.exception';
import { ANALYTICS_QUEUE, AnalyticsJob } from '../src/analytics/jobs/analytics-jobs';
import { MetricBucketRecord } from '../src/analytics/metric-bucket.schema';
import { MetricPointRecord } from '../src/analytics/metric-point.schema';
import { MetricSeriesRecord } from '../src/analytics/metric-series.schema';
import { MetricSeriesService } from '../src/analytics/metric-series.service';
import { MetricsQueryService } from '../src/analytics/metrics-query.service';
import { MetricsRecorderService } from '../src/analytics/metrics-recorder.service';
import { MetricsRetentionService } from '../src/analytics/metrics-retention.service';
import type { MetricPoint } from '../src/analytics/metrics.types';
import { MetricAggregate } from '../src/analytics/models/metric-aggregate.enum';
import { percentile } from '../src/common/stats/percentile';
import { assignRole, createProject, registerUser, type TestUser } from './support/factories';
import { codeOf, gql, ok, reasonOf, waitFor } from './support/graphql-client';
import {
  operations,
  type MetricAggregate as Aggregate,
  type MetricLabel,
  type MetricPointInput,
  type Project,
} from './support/operations';
import { waitForJob } from './support/queues';
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
  // A count and a sum of nothing are 0; the other aggregates of nothing have no value.
  if (values.length === 0) return aggregate === MetricAggregate.COUNT || aggregate === MetricAggregate.SUM ? 0 : null;
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
      // The least a process may hold waiting for MongoDB: one full batch.
      ANALYTICS_MAX_PENDING_POINTS: '1000',
      ANALYTICS_MAX_QUERY_BUCKETS: '20000',
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

  /** `aggregate` of metric `name` (of `labels`, when given) over the last hour, summed over its points. */
  async function lastHourTotal(
    projectId: string,
    name: string,
    aggregate: MetricAggregate,
    labels?: Record<string, string>,
  ): Promise<number> {
    const now = Date.now();
    const { points } = await query.series(projectId, {
      name,
      from: new Date(now - HOUR),
      to: new Date(now + MINUTE),
      stepSeconds: 3_600,
      labels,
      aggregate,
    });
    return points.reduce((acc, p) => acc + p.value!, 0);
  }

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
      // A filter no series matches: nothing counted, so counts and sums are 0, the others have no value.
      for (const [aggregate, value] of [
        [MetricAggregate.COUNT, 0],
        [MetricAggregate.SUM, 0],
        [MetricAggregate.AVG, null],
        [MetricAggregate.P99, null],
      ] as const) {
        const none = await query.series(project.id, {
          name: 'svc.labels',
          from,
          to,
          stepSeconds: 3_600,
          labels: { region: 'mars' },
          aggregate,
        });
        expect(none.points.length).toBeGreaterThan(0);
        expect(none.points.map((p) => p.value)).toEqual(none.points.map(() => value));
      }
    });

    it('keeps the standard deviation of large values close together, in series steps and in windows', async () => {
      // 1e9 + {0, 1, 2}: a sum of squares of such values keeps no digit of their spread (0.8165).
      const now = Date.now();
      const large = (i: number, oldestMs: number, newestMs: number): MetricPoint => ({
        name: 'svc.large',
        value: 1e9 + (i % 3),
        labels: { host: `h${i % 4}` },
        at: new Date(now - newestMs - ((i * 7_919) % (oldestMs - newestMs))),
      });
      const recent = Array.from({ length: 900 }, (_v, i) => large(i, 20 * MINUTE, MINUTE));
      const older = Array.from({ length: 600 }, (_v, i) => large(i, 5 * HOUR, 2 * HOUR));
      await recordAll(project.id, [...recent, ...older]);
      const all = [...recent, ...older];
      const to = new Date(now);
      for (const [stepMs, span] of [
        [MINUTE, 30 * MINUTE],
        [HOUR, 6 * HOUR],
        [DAY, 2 * DAY],
      ] as const) {
        const from = new Date(now - span);
        const start = Math.floor(from.getTime() / stepMs) * stepMs;
        for (const labels of [{}, { host: 'h1' }] as Record<string, string>[]) {
          const chosen = all.filter((p) => Object.entries(labels).every(([k, v]) => p.labels![k] === v));
          const result = await query.series(project.id, {
            name: 'svc.large',
            from,
            to,
            stepSeconds: stepMs / 1000,
            labels,
            aggregate: MetricAggregate.STDDEV,
          });
          const perStep = valuesPerStep(chosen, start, stepMs, result.points.length);
          expect(perStep.flat().length).toBeGreaterThan(100);
          result.points.forEach((point, i) =>
            expectClose(point.value, expectedOf(perStep[i]!, MetricAggregate.STDDEV), MetricAggregate.STDDEV),
          );
        }
      }
      // A window over raw points, and one past raw retention over minute buckets.
      const rawFrom = new Date(now - 30 * MINUTE);
      const rawValues = recent.filter((p) => p.at!.getTime() >= rawFrom.getTime()).map((p) => p.value);
      expect(rawValues).toHaveLength(900);
      const exact = expectedOf(rawValues, MetricAggregate.STDDEV)!;
      expect(exact).toBeCloseTo(Math.sqrt(2 / 3), 12);
      expectClose(
        await query.window(project.id, 'svc.large', {}, MetricAggregate.STDDEV, rawFrom, to),
        exact,
        MetricAggregate.STDDEV,
      );
      const oldFrom = new Date(Math.floor((now - 6 * HOUR) / MINUTE) * MINUTE);
      const oldTo = new Date(Math.floor((now - 90 * MINUTE) / MINUTE) * MINUTE);
      expectClose(
        await query.window(project.id, 'svc.large', {}, MetricAggregate.STDDEV, oldFrom, oldTo),
        expectedOf(
          older.map((p) => p.value),
          MetricAggregate.STDDEV,
        ),
        MetricAggregate.STDDEV,
      );
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
      // No point in the window: a count and a sum of nothing are 0, the other aggregates have no value.
      const nothing = async (
        name: string,
        labels: Record<string, string>,
        windowFrom: Date,
        windowTo: Date,
      ): Promise<Record<string, number | null>> =>
        Object.fromEntries(
          await Promise.all(
            ALL_AGGREGATES.map(async (aggregate) => [
              aggregate,
              await query.window(project.id, name, labels, aggregate, windowFrom, windowTo),
            ]),
          ),
        ) as Record<string, number | null>;
      const ofNothing = Object.fromEntries(ALL_AGGREGATES.map((a) => [a, a === 'COUNT' || a === 'SUM' ? 0 : null]));
      // From minute buckets (before raw retention), from raw points, with a filter no series matches, of no metric.
      expect(await nothing('svc.window', {}, new Date(now - 10 * DAY), new Date(now - 9 * DAY))).toEqual(ofNothing);
      expect(await nothing('svc.window', {}, new Date(now + MINUTE), new Date(now + 2 * MINUTE))).toEqual(ofNothing);
      expect(await nothing('svc.window', { region: 'mars' }, from, to)).toEqual(ofNothing);
      expect(await nothing('svc.nothing', {}, from, to)).toEqual(ofNothing);
    });

    it('reads the whole minutes of a long window from minute buckets, and its partial minutes from raw points, exactly', async () => {
      const base = Math.floor(Date.now() / MINUTE) * MINUTE - 40 * MINUTE;
      // A point every 10 seconds for 35 minutes, over two label sets.
      const points: MetricPoint[] = Array.from({ length: 210 }, (_v, k) => ({
        name: 'svc.split',
        value: 1e6 + ((k * 37) % 101),
        labels: { side: k % 2 === 0 ? 'a' : 'b' },
        at: new Date(base + k * 10_000),
      }));
      await recordAll(project.id, points);
      // Neither end on a minute: the minutes holding them count only in part.
      const from = new Date(base + 2 * MINUTE + 25_000);
      const to = new Date(base + 33 * MINUTE + 35_000);
      expect(to.getTime() - from.getTime()).toBeGreaterThanOrEqual(15 * MINUTE);
      const moments = ALL_AGGREGATES.filter((a) => QUANTILE_OF[a] === undefined);
      const inWindow = (labels: Record<string, string>): number[] =>
        points
          .filter((p) => p.at!.getTime() >= from.getTime() && p.at!.getTime() < to.getTime())
          .filter((p) => Object.entries(labels).every(([k, v]) => p.labels![k] === v))
          .map((p) => p.value);
      for (const labels of [{}, { side: 'b' }] as Record<string, string>[]) {
        for (const aggregate of moments) {
          expectClose(
            await query.window(project.id, 'svc.split', labels, aggregate, from, to),
            expectedOf(inWindow(labels), aggregate),
            aggregate,
          );
        }
      }
      // The raw points of the whole minutes are not what is read: without them, the window is the same.
      const firstWhole = new Date(base + 3 * MINUTE);
      const lastWhole = new Date(base + 33 * MINUTE);
      const removed = await model<MetricPointRecord>(MetricPointRecord).deleteMany({
        projectId: project.id,
        name: 'svc.split',
        t: { $gte: firstWhole, $lt: lastWhole },
      });
      expect(removed.deletedCount).toBe(180);
      for (const aggregate of moments) {
        expectClose(
          await query.window(project.id, 'svc.split', {}, aggregate, from, to),
          expectedOf(inWindow({}), aggregate),
          aggregate,
        );
      }
    });

    it('refuses a query that would read more stored buckets than the bound, counting the series it matches', async () => {
      const wide = await createProject(api.url, owner.accessToken);
      const now = Date.now();
      // 20 series with points over the last day.
      await recordAll(
        wide.id,
        Array.from({ length: 400 }, (_v, i) => ({
          name: 'svc.wide',
          value: i,
          labels: { shard: String(i % 20), half: i % 20 < 10 ? 'low' : 'high' },
          at: new Date(now - 2 * MINUTE - ((i * 211_111) % (20 * HOUR))),
        })),
      );
      const to = new Date(now);
      const from = new Date(now - 24 * HOUR + MINUTE);
      const refusal = (promise: Promise<unknown>) => promise.catch((e: unknown) => e);
      // 1440 minute steps of 20 series: 28,800 buckets, past the bound of 20,000, whatever the aggregate.
      for (const aggregate of [MetricAggregate.P95, MetricAggregate.COUNT]) {
        expect(
          await refusal(query.series(wide.id, { name: 'svc.wide', from, to, stepSeconds: 60, aggregate })),
        ).toMatchObject({
          reason: 'QUERY_TOO_LARGE',
          code: 'BAD_USER_INPUT',
          details: { buckets: 28_800, series: 20, limit: 20_000 },
        });
      }
      // Through the API, with its stable code.
      const throughApi = await operations(api.url).analytics.series(owner.accessToken, {
        projectId: wide.id,
        name: 'svc.wide',
        from: from.toISOString(),
        to: to.toISOString(),
        step: 60,
        aggregate: 'P99',
      });
      expect([codeOf(throughApi), reasonOf(throughApi)]).toEqual(['BAD_USER_INPUT', 'QUERY_TOO_LARGE']);
      expect(throughApi.errors![0]!.extensions!.details).toMatchObject({ buckets: 28_800, limit: 20_000 });
      // Half of the series: 14,400 buckets are read.
      const half = await query.series(wide.id, {
        name: 'svc.wide',
        from,
        to,
        stepSeconds: 60,
        labels: { half: 'low' },
        aggregate: MetricAggregate.COUNT,
      });
      expect(half.points.reduce((acc, p) => acc + p.value!, 0)).toBe(200);
      // Hour steps read hour buckets: 24 × 20.
      const hourly = await query.series(wide.id, {
        name: 'svc.wide',
        from,
        to,
        stepSeconds: 3_600,
        aggregate: MetricAggregate.P95,
      });
      expect(hourly.resolution).toBe('hour');
      // A quantile window past raw retention merges minute sketches in the process: bounded the same way.
      expect(
        await refusal(
          query.window(wide.id, 'svc.wide', {}, MetricAggregate.P95, new Date(now - 22 * HOUR), new Date(now - HOUR)),
        ),
      ).toMatchObject({ reason: 'QUERY_TOO_LARGE' });
      expect(
        await query.window(
          wide.id,
          'svc.wide',
          { shard: '3' },
          MetricAggregate.P95,
          new Date(now - 22 * HOUR),
          new Date(now - HOUR),
        ),
      ).not.toBeNull();
    });

    it('adds concurrent points of one minute into one bucket per resolution, with one upsert per bucket and write, and keeps raw points within raw retention', async () => {
      const now = Date.now();
      const at = new Date(Math.floor(now / MINUTE) * MINUTE - 10 * MINUTE);
      // The series exists and this process knows it (an older point, past raw retention).
      await recorder.record(project.id, [{ name: 'svc.merge', value: 1, at: new Date(now - 3 * HOUR) }], 'user');
      const [series] = await model<MetricSeriesRecord>(MetricSeriesRecord)
        .find({ projectId: project.id, name: 'svc.merge' })
        .lean();
      // What the process sends MongoDB: the bucket upserts of this series, seen on its connection.
      const upserts: { res: string; t: Date }[] = [];
      const connection = api.app.get<Connection>(getConnectionToken());
      const watch = (op: { collectionName: string; method: string; params: unknown[] }): void => {
        if (op.collectionName !== 'metric_buckets' || op.method !== 'bulkWrite') return;
        for (const statement of op.params[0] as { updateOne?: { filter: MetricBucketRecord } }[]) {
          const filter = statement.updateOne?.filter;
          if (filter?.seriesId.equals(series!._id)) upserts.push({ res: filter.res, t: filter.t });
        }
      };
      connection.on('operation-start', watch);
      try {
        // Concurrent batches of one series and minute: they share writes.
        await Promise.all(
          Array.from({ length: 40 }, (_v, i) =>
            recorder.record(project.id, [{ name: 'svc.merge', value: i, at }], 'user'),
          ),
        );
      } finally {
        connection.off('operation-start', watch);
      }
      // Separate writes would make 40 upserts per resolution; the first call's write goes alone,
      // the 39 that arrive while it is under way are merged into one upsert per bucket.
      const minuteUpserts = upserts.filter((u) => u.res === 'minute');
      expect(minuteUpserts.length).toBeGreaterThanOrEqual(1);
      expect(minuteUpserts.length).toBeLessThanOrEqual(2);
      expect(minuteUpserts.every((u) => u.t.getTime() === at.getTime())).toBe(true);
      expect(upserts.length).toBe(3 * minuteUpserts.length);
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
      const racing = [200, 201, 202, 203];
      const outcomes = await Promise.allSettled(
        racing.map((id) => recorder.record(other.id, [point('svc.card', id)], 'user')),
      );
      const admitted = racing.filter((_id, i) => outcomes[i]!.status === 'fulfilled');
      expect(admitted).toHaveLength(2);
      for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
        expect(outcome.reason).toMatchObject({ reason: 'LABEL_CARDINALITY_EXCEEDED' });
      }
      expect(await series.countDocuments({ name: 'svc.card' })).toBe(20);
      // Known label sets still record.
      await recorder.record(other.id, [point('svc.card', 0), point('svc.card', admitted[0]!)], 'user');

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

    it('refuses points past the backlog a process may hold, until its write is done', async () => {
      const batch = (value: number): MetricPoint[] =>
        Array.from({ length: 1_000 }, (_v, i) => ({ name: 'svc.backlog', value, labels: { i: String(i % 5) } }));
      // The series exist, so nothing but the write stands between a batch and its place in the backlog.
      await recorder.record(project.id, batch(0), 'user');
      const first = recorder.record(project.id, batch(1), 'user');
      const refused = await recorder
        .record(project.id, [{ name: 'svc.backlog', value: 2, labels: { i: '0' } }], 'user')
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({
        reason: 'RECORDER_BUSY',
        code: 'SERVICE_UNAVAILABLE',
        details: { retryAfterSeconds: 5 },
      });
      await first;
      await recorder.record(project.id, [{ name: 'svc.backlog', value: 3, labels: { i: '0' } }], 'user');
      const now = new Date();
      expect(
        await query.window(
          project.id,
          'svc.backlog',
          {},
          MetricAggregate.SUM,
          new Date(now.getTime() - MINUTE),
          new Date(now.getTime() + 1),
        ),
      ).toBe(1_000 + 3);
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

  describe('through the API', () => {
    let on: ReturnType<typeof operations>;
    let site: Project;

    beforeAll(async () => {
      on = operations(api.url);
      site = await createProject(api.url, owner.accessToken);
    });

    const pairs = (labels: Record<string, string>): MetricLabel[] =>
      Object.entries(labels).map(([key, value]) => ({ key, value }));
    const asInput = (point: MetricPoint): MetricPointInput => ({
      name: point.name,
      value: point.value,
      unit: point.unit ?? null,
      labels: pairs(point.labels ?? {}),
      at: point.at!.toISOString(),
    });
    /** In batches that fit the API's 100 KB request body. */
    const recordThroughApi = async (projectId: string, points: MetricPoint[]): Promise<void> => {
      for (let i = 0; i < points.length; i += 400) {
        const batch = points.slice(i, i + 400).map(asInput);
        expect(
          ok(await on.analytics.recordMany(owner.accessToken, { projectId, points: batch })).recordMetrics,
        ).toEqual({
          count: batch.length,
        });
      }
    };
    const seriesOf = async (args: {
      name: string;
      from: Date;
      to: Date;
      step: number;
      aggregate: Aggregate;
      labels?: Record<string, string>;
      projectId?: string;
      token?: string;
    }) =>
      on.analytics.series(args.token ?? owner.accessToken, {
        projectId: args.projectId ?? site.id,
        name: args.name,
        from: args.from.toISOString(),
        to: args.to.toISOString(),
        step: args.step,
        labels: args.labels ? pairs(args.labels) : null,
        aggregate: args.aggregate,
      });

    it('answers metricSeries with the values recorded, for minute, hour and day steps, at the coarsest resolution', async () => {
      const recent = latencies('api.latency', 2_000, 40 * MINUTE, 21);
      const older = latencies('api.latency', 3_000, 6 * DAY, 22, HOUR);
      const points = [...recent, ...older];
      await recordThroughApi(site.id, points);
      const to = new Date();
      for (const [step, resolution, span] of [
        [60, 'MINUTE', 45 * MINUTE],
        [600, 'MINUTE', 6 * HOUR],
        [3_600, 'HOUR', 6 * DAY + HOUR],
        [86_400, 'DAY', 7 * DAY],
      ] as const) {
        const from = new Date(to.getTime() - span);
        const stepMs = step * 1000;
        const start = Math.floor(from.getTime() / stepMs) * stepMs;
        const steps = Math.ceil((to.getTime() - start) / stepMs);
        const perStep = valuesPerStep(points, start, stepMs, steps);
        for (const aggregate of ALL_AGGREGATES) {
          const series = ok(await seriesOf({ name: 'api.latency', from, to, step, aggregate })).metricSeries;
          expect(series).toMatchObject({ name: 'api.latency', aggregate, resolution, step });
          expect(series.points).toHaveLength(steps);
          series.points.forEach((point, i) => {
            expect(new Date(point.at).getTime()).toBe(start + i * stepMs);
            expectClose(point.value, expectedOf(perStep[i]!, aggregate), aggregate);
          });
        }
      }
    });

    it('filters metricSeries by a subset of labels, and lists the metrics in metricNames', async () => {
      const to = new Date();
      const from = new Date(to.getTime() - 7 * DAY);
      const all = ok(
        await seriesOf({ name: 'api.latency', from, to, step: 86_400, aggregate: 'COUNT' as Aggregate }),
      ).metricSeries.points.reduce((acc, p) => acc + (p.value ?? 0), 0);
      expect(all).toBe(5_000);
      const byRegion = await Promise.all(
        ['eu', 'us'].map(async (region) =>
          ok(
            await seriesOf({
              name: 'api.latency',
              from,
              to,
              step: 86_400,
              aggregate: 'COUNT' as Aggregate,
              labels: { region },
            }),
          ).metricSeries.points.reduce((acc, p) => acc + (p.value ?? 0), 0),
        ),
      );
      expect(byRegion[0]).toBeGreaterThan(1_000);
      expect(byRegion[0]! + byRegion[1]!).toBe(all);
      const narrow = ok(
        await seriesOf({
          name: 'api.latency',
          from,
          to,
          step: 86_400,
          aggregate: 'MAX' as Aggregate,
          labels: { region: 'us', route: '/c' },
        }),
      ).metricSeries;
      expect(narrow.points.some((p) => p.value !== null)).toBe(true);

      // The unit is that of the latest series naming one: one seen later without a unit does not hide it.
      await recordThroughApi(site.id, [
        {
          name: 'api.queue_depth',
          value: 4,
          unit: 'jobs',
          at: new Date(Date.now() - 2 * MINUTE),
          labels: { queue: 'q' },
        },
        { name: 'api.queue_depth', value: 3, at: new Date(Date.now() - MINUTE) },
      ]);
      // The platform's own metrics of the project (its API requests) are listed too, as PLATFORM.
      const names = ok(await on.analytics.names(owner.accessToken, { projectId: site.id })).metricNames.filter(
        (n) => n.source === 'USER',
      );
      expect(names.map((n) => n.name)).toEqual(['api.latency', 'api.queue_depth']);
      expect(names[0]).toMatchObject({ unit: 'ms', source: 'USER', series: 6 });
      expect(names[1]).toMatchObject({ unit: 'jobs', source: 'USER', series: 2 });
      expect(Date.now() - new Date(names[1]!.lastSeenAt).getTime()).toBeLessThan(2 * MINUTE);
    });

    it('records one point with recordMetric, now when it carries no time', async () => {
      const before = Date.now();
      expect(
        ok(
          await on.analytics.record(owner.accessToken, {
            projectId: site.id,
            name: 'api.single',
            value: 42.5,
            labels: [{ key: 'host', value: 'a' }],
          }),
        ).recordMetric,
      ).toEqual({ count: 1 });
      const value = await query.window(
        site.id,
        'api.single',
        { host: 'a' },
        MetricAggregate.SUM,
        new Date(before - 1),
        new Date(Date.now() + 1),
      );
      expect(value).toBe(42.5);
    });

    it('refuses every bad input with a stable code, storing none of a refused batch', async () => {
      const good: MetricPointInput = { name: 'api.refused', value: 1, labels: [{ key: 'a', value: 'b' }] };
      const cases: [Partial<MetricPointInput>, string][] = [
        [{ name: 'has space' }, 'INVALID_METRIC_NAME'],
        [{ name: '1st' }, 'INVALID_METRIC_NAME'],
        [{ name: 'n'.repeat(129) }, 'INVALID_METRIC_NAME'],
        [{ name: 'slipway.api.request' }, 'RESERVED_METRIC_NAME'],
        [{ labels: Array.from({ length: 11 }, (_v, i) => ({ key: `k${i}`, value: 'v' })) }, 'TOO_MANY_LABELS'],
        [{ labels: [{ key: 'a-b', value: 'v' }] }, 'INVALID_LABEL_KEY'],
        [{ labels: [{ key: '', value: 'v' }] }, 'INVALID_LABEL_KEY'],
        [{ labels: [{ key: 'k'.repeat(65), value: 'v' }] }, 'INVALID_LABEL_KEY'],
        // Fits the pattern, but must neither vanish from the labels nor reach an object's prototype.
        [{ labels: [{ key: '__proto__', value: 'v' }] }, 'INVALID_LABEL_KEY'],
        [
          {
            labels: [
              { key: 'a', value: 'x' },
              { key: 'a', value: 'y' },
            ],
          },
          'INVALID_LABEL_KEY',
        ],
        [{ labels: [{ key: 'a', value: '' }] }, 'INVALID_LABEL_VALUE'],
        [{ labels: [{ key: 'a', value: 'v'.repeat(129) }] }, 'INVALID_LABEL_VALUE'],
        [{ value: 1e19 }, 'INVALID_METRIC_VALUE'],
        [{ value: -1e19 }, 'INVALID_METRIC_VALUE'],
        [{ unit: 'u'.repeat(33) }, 'INVALID_METRIC_UNIT'],
        [{ unit: '' }, 'INVALID_METRIC_UNIT'],
        [{ at: new Date(Date.now() + 10 * MINUTE).toISOString() }, 'INVALID_METRIC_TIME'],
        [{ at: new Date(Date.now() - 8 * DAY).toISOString() }, 'INVALID_METRIC_TIME'],
      ];
      for (const [change, reason] of cases) {
        const single = await on.analytics.record(owner.accessToken, { projectId: site.id, ...good, ...change });
        expect([reason, codeOf(single)]).toEqual([reason, 'BAD_USER_INPUT']);
        expect(reasonOf(single)).toBe(reason);
        const batch = await on.analytics.recordMany(owner.accessToken, {
          projectId: site.id,
          points: [good, good, { ...good, ...change }],
        });
        expect(reasonOf(batch)).toBe(reason);
        expect(batch.errors![0]!.extensions!.details).toMatchObject({ index: 2 });
      }
      // Infinity cannot be written in JSON, but it can be in a document: a literal too large for a double.
      const infinite = await gql(
        api.url,
        `mutation { recordMetric(input: { projectId: "${site.id}", name: "api.refused", value: 1e999 }) { count } }`,
        {},
        owner.accessToken,
      );
      expect([codeOf(infinite), reasonOf(infinite)]).toEqual(['BAD_USER_INPUT', 'INVALID_METRIC_VALUE']);
      // Shapes GraphQL itself refuses: a value that is not a number, a time that is not one.
      for (const bad of [{ value: 'NaN' }, { at: 'yesterday' }]) {
        const refused = await on.analytics.record(owner.accessToken, {
          projectId: site.id,
          ...good,
          ...(bad as object),
        });
        expect(codeOf(refused)).toBe('BAD_USER_INPUT');
      }
      const tooLarge = await on.analytics.recordMany(owner.accessToken, {
        projectId: site.id,
        points: Array.from({ length: 1_001 }, () => good),
      });
      expect([codeOf(tooLarge), reasonOf(tooLarge)]).toEqual(['BAD_USER_INPUT', 'INVALID_INPUT']);

      const names = ok(await on.analytics.names(owner.accessToken, { projectId: site.id })).metricNames;
      expect(names.map((n) => n.name)).not.toContain('api.refused');
      const now = new Date();
      const counted = ok(
        await seriesOf({
          name: 'api.refused',
          from: new Date(now.getTime() - HOUR),
          to: now,
          step: 60,
          aggregate: 'COUNT' as Aggregate,
        }),
      ).metricSeries;
      expect(counted.points.every((p) => p.value === 0)).toBe(true);
    });

    it('refuses bad series queries with a stable code', async () => {
      const to = new Date();
      const from = new Date(to.getTime() - HOUR);
      const base = { name: 'api.latency', from, to, step: 60, aggregate: 'SUM' as Aggregate };
      const cases: [Partial<typeof base> & { labels?: Record<string, string> }, string][] = [
        [{ step: 90 }, 'INVALID_STEP'],
        [{ step: 0 }, 'INVALID_STEP'],
        [{ step: -60 }, 'INVALID_STEP'],
        [{ from: to }, 'INVALID_TIME_RANGE'],
        [{ from: new Date(to.getTime() + MINUTE) }, 'INVALID_TIME_RANGE'],
        [{ from: new Date(to.getTime() - 2 * DAY) }, 'TOO_MANY_POINTS'],
        [{ name: 'bad name' }, 'INVALID_METRIC_NAME'],
        [{ labels: { 'bad-key': 'v' } }, 'INVALID_LABEL_KEY'],
        [{ labels: { key: '' } }, 'INVALID_LABEL_VALUE'],
        // As a filter it would otherwise be dropped, and the query would match every series.
        [{ labels: Object.fromEntries([['__proto__', 'v']]) as Record<string, string> }, 'INVALID_LABEL_KEY'],
      ];
      for (const [change, reason] of cases) {
        const refused = await seriesOf({ ...base, ...change });
        expect([reason, codeOf(refused), reasonOf(refused)]).toEqual([reason, 'BAD_USER_INPUT', reason]);
      }
      const notAnAggregate = await on.analytics.series(owner.accessToken, {
        projectId: site.id,
        name: 'api.latency',
        from: from.toISOString(),
        to: to.toISOString(),
        step: 60,
        aggregate: 'MEDIAN' as Aggregate,
      });
      expect(codeOf(notAnAggregate)).toBe('BAD_USER_INPUT');
    });

    it('refuses label sets past the bound per metric, and names past the bound per project', async () => {
      const crowded = await createProject(api.url, owner.accessToken);
      const point = (name: string, id: number): MetricPointInput => ({
        name,
        value: 1,
        labels: [{ key: 'id', value: String(id) }],
      });
      ok(
        await on.analytics.recordMany(owner.accessToken, {
          projectId: crowded.id,
          points: Array.from({ length: 20 }, (_v, i) => point('api.card', i)),
        }),
      );
      const refused = await on.analytics.recordMany(owner.accessToken, {
        projectId: crowded.id,
        points: [point('api.card', 0), point('api.card', 20)],
      });
      expect([codeOf(refused), reasonOf(refused)]).toEqual(['BAD_USER_INPUT', 'LABEL_CARDINALITY_EXCEEDED']);
      const single = await on.analytics.record(owner.accessToken, { projectId: crowded.id, ...point('api.card', 21) });
      expect(reasonOf(single)).toBe('LABEL_CARDINALITY_EXCEEDED');
      ok(await on.analytics.record(owner.accessToken, { projectId: crowded.id, ...point('api.card', 19) }));

      ok(
        await on.analytics.recordMany(owner.accessToken, {
          projectId: crowded.id,
          points: Array.from({ length: 29 }, (_v, i) => point(`api.name${i}`, 0)),
        }),
      );
      const tooMany = await on.analytics.record(owner.accessToken, { projectId: crowded.id, ...point('api.extra', 0) });
      expect([codeOf(tooMany), reasonOf(tooMany)]).toEqual(['BAD_USER_INPUT', 'TOO_MANY_METRICS']);
      const names = ok(await on.analytics.names(owner.accessToken, { projectId: crowded.id })).metricNames.filter(
        (n) => n.source === 'USER',
      );
      expect(names).toHaveLength(30);
      expect(names.find((n) => n.name === 'api.card')!.series).toBe(20);
    });

    it('lets a viewer read metrics but not record them, and a stranger do neither', async () => {
      const viewer = await registerUser(api.url);
      const stranger = await registerUser(api.url);
      await assignRole(api.url, owner.accessToken, { projectId: site.id, userId: viewer.id, roleId: 'viewer' });
      const to = new Date();
      const read = {
        name: 'api.latency',
        from: new Date(to.getTime() - HOUR),
        to,
        step: 60,
        aggregate: 'COUNT' as Aggregate,
      };

      expect(ok(await seriesOf({ ...read, token: viewer.accessToken })).metricSeries.points.length).toBeGreaterThan(0);
      expect(
        ok(await on.analytics.names(viewer.accessToken, { projectId: site.id })).metricNames.length,
      ).toBeGreaterThan(0);
      const point = { name: 'api.viewer', value: 1 };
      expect(codeOf(await on.analytics.record(viewer.accessToken, { projectId: site.id, ...point }))).toBe('FORBIDDEN');
      expect(codeOf(await on.analytics.recordMany(viewer.accessToken, { projectId: site.id, points: [point] }))).toBe(
        'FORBIDDEN',
      );

      expect(codeOf(await seriesOf({ ...read, token: stranger.accessToken }))).toBe('FORBIDDEN');
      expect(codeOf(await on.analytics.names(stranger.accessToken, { projectId: site.id }))).toBe('FORBIDDEN');
      expect(codeOf(await on.analytics.record(stranger.accessToken, { projectId: site.id, ...point }))).toBe(
        'FORBIDDEN',
      );
      expect(codeOf(await on.analytics.record(undefined, { projectId: site.id, ...point }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await seriesOf({ ...read, token: '' }))).toBe('UNAUTHENTICATED');

      const names = ok(await on.analytics.names(owner.accessToken, { projectId: site.id })).metricNames;
      expect(names.map((n) => n.name)).not.toContain('api.viewer');
    });

    it('deletes a metric with deleteMetric: its series, buckets and points, freeing its place under the bounds', async () => {
      const cleared = await createProject(api.url, owner.accessToken);
      const point = (name: string, id: number): MetricPointInput => ({
        name,
        value: id,
        labels: [{ key: 'id', value: String(id) }],
      });
      // A metric at the bound of 20 label sets, and another one.
      ok(
        await on.analytics.recordMany(owner.accessToken, {
          projectId: cleared.id,
          points: [
            ...Array.from({ length: 20 }, (_v, i) => point('api.full', i)),
            ...Array.from({ length: 20 }, (_v, i) => point('api.full', i)),
            point('api.other', 1),
          ],
        }),
      );
      expect(
        reasonOf(await on.analytics.record(owner.accessToken, { projectId: cleared.id, ...point('api.full', 20) })),
      ).toBe('LABEL_CARDINALITY_EXCEEDED');
      const stored = (m: { name: string }) =>
        model<unknown>(m).countDocuments({ projectId: cleared.id, name: 'api.full' });

      const deleted = ok(
        await on.analytics.deleteMetric(owner.accessToken, { projectId: cleared.id, name: 'api.full' }),
      ).deleteMetric;
      expect(deleted).toEqual({ name: 'api.full', series: 20, buckets: 60, points: 40 });
      expect([
        await stored(MetricSeriesRecord),
        await stored(MetricBucketRecord),
        await stored(MetricPointRecord),
      ]).toEqual([0, 0, 0]);
      const names = ok(await on.analytics.names(owner.accessToken, { projectId: cleared.id })).metricNames;
      expect(names.filter((n) => n.source === 'USER').map((n) => n.name)).toEqual(['api.other']);
      const to = new Date(Date.now() + MINUTE);
      const counted = ok(
        await seriesOf({
          projectId: cleared.id,
          name: 'api.full',
          from: new Date(to.getTime() - HOUR),
          to,
          step: 3_600,
          aggregate: 'COUNT' as Aggregate,
        }),
      ).metricSeries;
      expect(counted.points.every((p) => p.value === 0)).toBe(true);
      // Recording it again starts it anew, with room for new label sets.
      ok(await on.analytics.record(owner.accessToken, { projectId: cleared.id, ...point('api.full', 20) }));
      expect(await stored(MetricSeriesRecord)).toBe(1);

      // Bad input, and metrics that cannot be deleted.
      for (const [name, code, reason] of [
        ['api.never', 'NOT_FOUND', 'METRIC_NOT_FOUND'],
        ['slipway.api.request', 'BAD_USER_INPUT', 'RESERVED_METRIC_NAME'],
        ['bad name', 'BAD_USER_INPUT', 'INVALID_METRIC_NAME'],
        ['n'.repeat(1_025), 'BAD_USER_INPUT', 'INVALID_INPUT'],
      ] as const) {
        const refused = await on.analytics.deleteMetric(owner.accessToken, { projectId: cleared.id, name });
        expect([name.slice(0, 20), codeOf(refused), reasonOf(refused)]).toEqual([name.slice(0, 20), code, reason]);
      }
      const badProject = await on.analytics.deleteMetric(owner.accessToken, { projectId: 'nope', name: 'api.other' });
      expect(codeOf(badProject)).toBe('BAD_USER_INPUT');

      // Owners and admins may delete metrics; developers record them but may not, nor viewers or strangers.
      const admin = await registerUser(api.url);
      const developer = await registerUser(api.url);
      const viewer = await registerUser(api.url);
      const stranger = await registerUser(api.url);
      for (const [user, roleId] of [
        [admin, 'admin'],
        [developer, 'developer'],
        [viewer, 'viewer'],
      ] as const) {
        await assignRole(api.url, owner.accessToken, { projectId: cleared.id, userId: user.id, roleId });
      }
      for (const user of [developer, viewer, stranger]) {
        const refused = await on.analytics.deleteMetric(user.accessToken, { projectId: cleared.id, name: 'api.other' });
        expect(codeOf(refused)).toBe('FORBIDDEN');
      }
      expect(codeOf(await on.analytics.deleteMetric(undefined, { projectId: cleared.id, name: 'api.other' }))).toBe(
        'UNAUTHENTICATED',
      );
      expect(
        ok(await on.analytics.deleteMetric(admin.accessToken, { projectId: cleared.id, name: 'api.other' }))
          .deleteMetric,
      ).toMatchObject({ name: 'api.other', series: 1 });

      // Audited like every mutation, refusals included.
      const audit = ok(
        await on.audit.logs(owner.accessToken, {
          projectId: cleared.id,
          operation: 'mutation.deleteMetric',
          first: 50,
        }),
      ).auditLogs;
      const outcomes = audit.edges.map((e) => e.node.outcome);
      expect(outcomes.filter((o) => o === 'GRANTED').length).toBeGreaterThanOrEqual(2);
      // The developer's, the viewer's and the stranger's.
      expect(outcomes.filter((o) => o === 'DENIED')).toHaveLength(3);
      expect(audit.edges.find((e) => e.node.outcome === 'GRANTED')!.node.arguments).toMatchObject({
        input: { projectId: cleared.id },
      });
    });
  });

  describe('across processes', () => {
    // Two more API processes on the same database and Redis: each has its own series registry and
    // cache, so their creations of series really race, as those of separate machines do.
    let others: TestApp[] = [];

    beforeAll(async () => {
      others = await Promise.all(
        [1, 2].map(() =>
          startTestApp(
            {
              PROCESS_ROLE: 'api',
              ANALYTICS_RAW_RETENTION_HOURS: '1',
              ANALYTICS_MAX_SERIES_PER_METRIC: '20',
              ANALYTICS_MAX_METRICS_PER_PROJECT: '30',
            },
            { reset: false },
          ),
        ),
      );
    });

    afterAll(async () => {
      await Promise.all(others.map((other) => other.close()));
    });

    it('keeps the label-set bound when processes create series at once, and never writes under a series taken back', async () => {
      const racing = await createProject(api.url, owner.accessToken);
      const [second, third] = others.map((other) => other.app.get(MetricsRecorderService));
      const series = model<MetricSeriesRecord>(MetricSeriesRecord);
      const buckets = model<MetricBucketRecord>(MetricBucketRecord);
      const point = (name: string, id: string): MetricPoint => ({ name, value: 1, labels: { id } });
      for (let round = 0; round < 6; round++) {
        const name = `race.r${round}`;
        // One place left under the bound of 20.
        await recorder.record(
          racing.id,
          Array.from({ length: 19 }, (_v, i) => point(name, String(i))),
          'user',
        );
        // Two processes add the same new label set, one of them again and again while the other
        // creates it; a third adds another. Together they pass the bound, so what is created is
        // taken back, and whoever met a series that was then taken back must not write under it.
        const later = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
        const outcomes = await Promise.allSettled([
          recorder.record(racing.id, [point(name, 'shared')], 'user'),
          ...Array.from({ length: 12 }, (_v, i) =>
            later(i).then(() => second!.record(racing.id, [point(name, 'shared')], 'user')),
          ),
          third!.record(racing.id, [point(name, 'other')], 'user'),
        ]);
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') {
            expect(outcome.reason).toMatchObject({ reason: 'LABEL_CARDINALITY_EXCEEDED' });
          }
        }
        const stored = await series.find({ projectId: racing.id, name }).lean();
        expect(stored.length).toBeLessThanOrEqual(20);
        // Every bucket belongs to a stored series.
        const ids = new Set(stored.map((s) => s._id.toHexString()));
        const orphans = (await buckets.find({ projectId: racing.id, name }, { seriesId: 1 }).lean()).filter(
          (b) => !ids.has(b.seriesId.toHexString()),
        );
        expect([name, orphans.length]).toEqual([name, 0]);
        // What was admitted for the shared label set is read back through its series.
        const sharedAdmitted = outcomes.slice(0, -1).filter((o) => o.status === 'fulfilled').length;
        const counted = await lastHourTotal(racing.id, name, MetricAggregate.COUNT, { id: 'shared' });
        expect([name, counted]).toEqual([name, sharedAdmitted]);
      }
    });

    it('leaves nothing under a deleted metric that another process was writing at that moment', async () => {
      const busy = await createProject(api.url, owner.accessToken);
      const writer = others[0]!.app.get(MetricsRecorderService);
      const retention = api.app.get(MetricsRetentionService);
      let writes = 0;
      let stop = false;
      const writing = (async () => {
        while (!stop) {
          await writer.record(busy.id, [{ name: 'del.race', value: 1, labels: { id: String(writes % 3) } }], 'user');
          writes += 1;
        }
      })();
      let deletions = 0;
      try {
        for (let round = 0; round < 12; round++) {
          const before = writes;
          await waitFor(async () => Promise.resolve(writes >= before + 5), 10_000, 'the other process to record');
          const deleted = await retention.deleteMetric(busy.id, 'del.race').catch((e: unknown) => e);
          if (!(deleted instanceof AnalyticsException)) deletions += 1;
        }
      } finally {
        stop = true;
        await writing;
      }
      expect(deletions).toBeGreaterThan(0);
      // Whatever was written while its series were deleted went with them: every bucket and raw
      // point left belongs to a stored series, and the label sets account for every bucket.
      const stored = await model<MetricSeriesRecord>(MetricSeriesRecord).find({ projectId: busy.id }).lean();
      const ids = new Set(stored.map((s) => s._id.toHexString()));
      const buckets = await model<MetricBucketRecord>(MetricBucketRecord).find({ projectId: busy.id }).lean();
      const raw = await model<MetricPointRecord>(MetricPointRecord).find({ projectId: busy.id }).lean();
      expect(buckets.filter((b) => !ids.has(b.seriesId.toHexString()))).toEqual([]);
      expect(raw.filter((p) => !ids.has(p.seriesId.toHexString()))).toEqual([]);
      const count = (labels?: Record<string, string>): Promise<number> =>
        lastHourTotal(busy.id, 'del.race', MetricAggregate.COUNT, labels);
      const byLabels = await Promise.all(['0', '1', '2'].map((id) => count({ id })));
      expect(await count()).toBe(byLabels.reduce((a, b) => a + b, 0));
      expect(await count()).toBe(raw.length);
    });

    it('keeps what is written under a series made again while the metric is deleted', async () => {
      const busy = await createProject(api.url, owner.accessToken);
      // The deleting process itself, which has forgotten the old series once they are deleted: its
      // write makes a new one for sure (another process may still write under the old one, and
      // then drops what it wrote).
      const writer = api.app.get(MetricsRecorderService);
      const write = (): Promise<unknown> =>
        writer.record(busy.id, [{ name: 'del.again', value: 1, labels: { id: 'a' } }], 'user');
      await write();
      // A write right after the series went and before their data goes: the order the race of
      // the test above reaches now and then.
      const series = api.app.get(MetricSeriesService);
      const deleteSeries = series.deleteMetric.bind(series);
      const interleaved = jest.spyOn(series, 'deleteMetric').mockImplementation(async (projectId, name) => {
        const deleted = await deleteSeries(projectId, name);
        await write();
        return deleted;
      });
      try {
        expect(await api.app.get(MetricsRetentionService).deleteMetric(busy.id, 'del.again')).toMatchObject({
          series: 1,
        });
      } finally {
        interleaved.mockRestore();
      }
      await write();

      const counted = await lastHourTotal(busy.id, 'del.again', MetricAggregate.COUNT);
      const raw = await model<MetricPointRecord>(MetricPointRecord).find({ projectId: busy.id }).lean();
      // The two writes after the deletion, in the buckets and the raw points alike.
      expect(counted).toBe(2);
      expect(raw).toHaveLength(2);
    });

    it('removes and makes again a series whose creator stopped before keeping it', async () => {
      const stopped = await createProject(api.url, owner.accessToken);
      const series = model<MetricSeriesRecord>(MetricSeriesRecord);
      // What a process leaves when it stops between storing a new series and keeping it.
      const labelsKey = createHash('sha256')
        .update(JSON.stringify([['id', 'left']]))
        .digest('base64url');
      const left = await series.create({
        projectId: stopped.id,
        name: 'left.behind',
        labels: { id: 'left' },
        labelsKey,
        unit: null,
        source: 'user',
        ref: 1,
        createdAt: new Date(Date.now() - 10 * MINUTE),
        lastSeenAt: new Date(Date.now() - 10 * MINUTE),
        pending: true,
      });
      // Not listed while pending.
      const names = ok(await operations(api.url).analytics.names(owner.accessToken, { projectId: stopped.id }));
      expect(names.metricNames.filter((n) => n.source === 'USER')).toEqual([]);
      await others[0]!.app
        .get(MetricsRecorderService)
        .record(stopped.id, [{ name: 'left.behind', value: 5, labels: { id: 'left' } }], 'user');
      const [made] = await series.find({ projectId: stopped.id, name: 'left.behind' }).lean();
      expect(made!._id.toHexString()).not.toBe(left._id.toHexString());
      expect(made!.pending).toBeUndefined();
      const now = Date.now();
      expect(
        await query.window(
          stopped.id,
          'left.behind',
          { id: 'left' },
          MetricAggregate.SUM,
          new Date(now - HOUR),
          new Date(now + 1),
        ),
      ).toBe(5);
    });
  });

  describe('retention', () => {
    it('sweeps raw points and buckets past their retention, from a scheduled worker job', async () => {
      const queue = api.app.get<Queue>(getQueueToken(ANALYTICS_QUEUE));
      const repeatable = await queue.getRepeatableJobs();
      expect(repeatable).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: AnalyticsJob.SWEEP, every: api.config.ANALYTICS_SWEEP_INTERVAL_MS }),
        ]),
      );

      const kept = await createProject(api.url, owner.accessToken);
      const at = new Date(Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE);
      await recorder.record(kept.id, [{ name: 'ret.metric', value: 7, at }], 'user');
      const buckets = model<MetricBucketRecord>(MetricBucketRecord);
      const points = model<MetricPointRecord>(MetricPointRecord);
      const stored = await buckets.find({ projectId: kept.id }).lean();
      const expiry = Object.fromEntries(stored.map((b) => [b.res, b.expiresAt.getTime() - b.t.getTime()]));
      expect(expiry).toEqual({ minute: 8 * DAY, hour: 90 * DAY, day: 730 * DAY });
      const [raw] = await points.find({ projectId: kept.id }).lean();
      expect(raw!.expiresAt.getTime()).toBe(at.getTime() + HOUR);

      // Time passes for some of them: expire one raw point and the minute bucket.
      const minute = stored.find((b) => b.res === 'minute')!;
      await buckets.updateOne({ _id: minute._id }, { $set: { expiresAt: new Date(Date.now() - 1) } });
      await points.updateOne({ _id: raw!._id }, { $set: { expiresAt: new Date(Date.now() - 1) } });

      const swept = await waitForJob<{ points: number; buckets: number }>(
        await queue.add(AnalyticsJob.SWEEP, { requestedAt: new Date().toISOString() }),
        20_000,
      );
      expect(swept.points).toBeGreaterThanOrEqual(1);
      expect(swept.buckets).toBeGreaterThanOrEqual(1);
      expect((await buckets.find({ projectId: kept.id }).lean()).map((b) => b.res).sort()).toEqual(['day', 'hour']);
      expect(await points.countDocuments({ projectId: kept.id })).toBe(0);
      // What is left still answers: hour buckets serve an hour step.
      const now = new Date();
      const hourly = await query.series(kept.id, {
        name: 'ret.metric',
        from: new Date(now.getTime() - 2 * HOUR),
        to: now,
        stepSeconds: 3_600,
        aggregate: MetricAggregate.SUM,
      });
      expect(hourly.points.reduce((acc, p) => acc + (p.value ?? 0), 0)).toBe(7);
    });

    it('expires series unseen for longer than day buckets are kept once no bucket is left, freeing their place under the bound', async () => {
      const queue = api.app.get<Queue>(getQueueToken(ANALYTICS_QUEUE));
      const full = await createProject(api.url, owner.accessToken);
      const series = model<MetricSeriesRecord>(MetricSeriesRecord);
      const buckets = model<MetricBucketRecord>(MetricBucketRecord);
      const points = model<MetricPointRecord>(MetricPointRecord);
      const point = (id: string, value = 1): MetricPoint => ({ name: 'exp.card', value, labels: { id } });
      // At the bound of 20 label sets: a new one is refused.
      await recorder.record(
        full.id,
        Array.from({ length: 20 }, (_v, i) => point(String(i))),
        'user',
      );
      expect(await recorder.record(full.id, [point('new')], 'user').catch((e: unknown) => e)).toMatchObject({
        reason: 'LABEL_CARDINALITY_EXCEEDED',
      });
      // Two label sets last seen 731 days ago: one whose buckets and points have expired, one with a
      // bucket still kept (its lastSeenAt alone does not let it go).
      const [gone, stillHeld] = await Promise.all(
        ['0', '1'].map((id) => series.findOne({ projectId: full.id, name: 'exp.card', 'labels.id': id }).lean()),
      );
      const longAgo = new Date(Date.now() - 731 * DAY);
      await series.updateMany({ _id: { $in: [gone!._id, stillHeld!._id] } }, { $set: { lastSeenAt: longAgo } });
      const past = new Date(Date.now() - 1);
      await buckets.updateMany({ seriesId: { $in: [gone!._id, stillHeld!._id] } }, { $set: { expiresAt: past } });
      await buckets.updateOne(
        { seriesId: stillHeld!._id, res: 'day' },
        { $set: { expiresAt: new Date(Date.now() + DAY) } },
      );
      await points.updateMany({ seriesId: { $in: [gone!._id, stillHeld!._id] } }, { $set: { expiresAt: past } });

      const swept = await waitForJob<{ points: number; buckets: number; series: number }>(
        await queue.add(AnalyticsJob.SWEEP, { requestedAt: new Date().toISOString() }),
        20_000,
      );
      expect(swept.series).toBeGreaterThanOrEqual(1);
      expect(await series.exists({ _id: gone!._id })).toBeNull();
      expect(await series.exists({ _id: stillHeld!._id })).not.toBeNull();
      expect(await series.countDocuments({ projectId: full.id, name: 'exp.card' })).toBe(19);
      // The label set that went, recorded again by the process that had it cached, starts a new
      // series (the sweep forgot it in every process), read back through its labels.
      await recorder.record(full.id, [point('0', 5)], 'user');
      const again = await series.findOne({ projectId: full.id, name: 'exp.card', 'labels.id': '0' }).lean();
      expect(again!._id.toHexString()).not.toBe(gone!._id.toHexString());
      expect(await lastHourTotal(full.id, 'exp.card', MetricAggregate.SUM, { id: '0' })).toBe(5);
      // The place it held was free: the bound is reached again, and holds.
      expect(await recorder.record(full.id, [point('new')], 'user').catch((e: unknown) => e)).toMatchObject({
        reason: 'LABEL_CARDINALITY_EXCEEDED',
      });
    });

    it("deletes a deleted project's metrics", async () => {
      const doomed = await createProject(api.url, owner.accessToken);
      await recorder.record(doomed.id, [{ name: 'gone.metric', value: 1 }], 'user');
      const series = model<MetricSeriesRecord>(MetricSeriesRecord);
      expect(await series.countDocuments({ projectId: doomed.id })).toBe(1);
      ok(await operations(api.url).projects.delete(owner.accessToken, { id: doomed.id }));
      const buckets = model<MetricBucketRecord>(MetricBucketRecord);
      const points = model<MetricPointRecord>(MetricPointRecord);
      await waitFor(
        async () =>
          (
            await Promise.all(
              ([series, buckets, points] as Model<unknown>[]).map((m) => m.countDocuments({ projectId: doomed.id })),
            )
          ).every((n) => n === 0),
        10_000,
        "the deleted project's metrics to go",
      );
      // Recording again starts a new series (the process forgot the deleted one).
      await recorder.record(doomed.id, [{ name: 'gone.metric', value: 2 }], 'user');
      expect(await series.countDocuments({ projectId: doomed.id })).toBe(1);
    });
  });
});
