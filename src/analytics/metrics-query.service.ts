import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, PipelineStage } from 'mongoose';
import { percentile } from '../common/stats/percentile';
import { toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import { AnalyticsException, AnalyticsExceptionReason } from './analytics.exception';
import { MetricBucketRecord } from './metric-bucket.schema';
import { MetricPointRecord } from './metric-point.schema';
import { bucketStart, checkLabels, checkMetricName, RESOLUTION_MS, servingResolution } from './metric-rules';
import { MetricSeriesService, type MatchedSeries } from './metric-series.service';
import { MetricAggregate } from './models/metric-aggregate.enum';
import type { SeriesQuery, SeriesResult } from './metrics.types';
import { DDSketch, type StoredSketch } from './sketch/dd-sketch';

/**
 * What every aggregate but the quantiles is computed from: the count, sum and extremes, the mean,
 * and `m2`, the sum of squared deviations from the mean. Parts are merged by Chan's pairwise
 * update, never through a plain sum of squares, which keeps no digit of the spread of values such
 * as 1e9 ± 1.
 */
interface Moments {
  count: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  m2: number;
}

const QUANTILES: Partial<Record<MetricAggregate, number>> = {
  [MetricAggregate.P50]: 0.5,
  [MetricAggregate.P95]: 0.95,
  [MetricAggregate.P99]: 0.99,
};

/** Raw points a window reads at most for an exact quantile; past it, minute buckets' sketches answer. */
export const WINDOW_RAW_QUANTILE_LIMIT = 200_000;

/**
 * Windows at least this long are read, for every aggregate but the quantiles, from the minute
 * buckets of their whole minutes and from raw points only for the partial minutes at their ends:
 * as exact, and one bucket per series and minute instead of every point.
 */
export const WINDOW_WHOLE_MINUTES_FROM_MS = 15 * 60_000;

const MINUTE_MS = RESOLUTION_MS.minute;

const emptyMoments = (): Moments => ({ count: 0, sum: 0, min: Infinity, max: -Infinity, mean: 0, m2: 0 });

function addMoments(into: Moments, part: Moments): void {
  if (part.count === 0) return;
  if (into.count === 0) {
    Object.assign(into, part);
    return;
  }
  const count = into.count + part.count;
  const delta = part.mean - into.mean;
  into.mean += delta * (part.count / count);
  into.m2 += part.m2 + delta * delta * ((into.count * part.count) / count);
  into.count = count;
  into.sum += part.sum;
  into.min = Math.min(into.min, part.min);
  into.max = Math.max(into.max, part.max);
}

/** Buckets added up by the database: what `bucketMoments` groups. */
interface BucketGroup {
  _id: Date | null;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** The sum over buckets of count × (bucket mean − shift), and of count × (bucket mean − shift)². */
  nd: number;
  nd2: number;
  /** The sum of the buckets' own squared deviations from their means. */
  m2: number;
}

/**
 * Stages that add buckets up by `groupId` into a `BucketGroup`. Each bucket's mean and squared
 * deviations come from its shifted sums (`value - ref`, its series' reference); means are then
 * taken relative to `shift` (the reference of one of the series read), so that series of nearby
 * values combine without forming any square of a large value.
 */
function bucketMoments(groupId: string | null, shift: number): PipelineStage[] {
  const dsum = { $ifNull: ['$dsum', '$sum'] };
  const nd = { $multiply: ['$count', '$d'] };
  return [
    {
      $project: {
        _id: 0,
        t: 1,
        count: 1,
        sum: 1,
        min: 1,
        max: 1,
        d: { $add: [{ $subtract: [{ $ifNull: ['$ref', 0] }, shift] }, { $divide: [dsum, '$count'] }] },
        m2: { $subtract: ['$sumsq', { $divide: [{ $multiply: [dsum, dsum] }, '$count'] }] },
      },
    },
    {
      $group: {
        _id: groupId,
        count: { $sum: '$count' },
        sum: { $sum: '$sum' },
        min: { $min: '$min' },
        max: { $max: '$max' },
        nd: { $sum: nd },
        nd2: { $sum: { $multiply: [nd, '$d'] } },
        m2: { $sum: '$m2' },
      },
    },
  ];
}

function momentsOfGroup(row: BucketGroup, shift: number): Moments {
  const d = row.nd / row.count;
  return {
    count: row.count,
    sum: row.sum,
    min: row.min,
    max: row.max,
    mean: shift + d,
    m2: row.m2 + row.nd2 - row.nd * d,
  };
}

/** The value buckets' shifted sums are read relative to: a reference of one of the series read. */
const shiftOf = (series: readonly MatchedSeries[]): number => series.find((s) => s.ref !== null)?.ref ?? 0;

/**
 * What an aggregate is over no point: a count and a sum of nothing are 0 (so "fewer than one
 * point" can be told and alerted on); the others have no value.
 */
export function valueOfNothing(aggregate: MetricAggregate): number | null {
  return aggregate === MetricAggregate.COUNT || aggregate === MetricAggregate.SUM ? 0 : null;
}

/** An aggregate of moments (see `valueOfNothing` for none). The standard deviation is the population's. */
function reduceMoments(m: Moments, aggregate: MetricAggregate): number | null {
  if (m.count === 0) return valueOfNothing(aggregate);
  switch (aggregate) {
    case MetricAggregate.SUM:
      return m.sum;
    case MetricAggregate.AVG:
      return m.sum / m.count;
    case MetricAggregate.MIN:
      return m.min;
    case MetricAggregate.MAX:
      return m.max;
    case MetricAggregate.COUNT:
      return m.count;
    case MetricAggregate.STDDEV:
      return Math.sqrt(Math.max(0, m.m2) / m.count);
    case MetricAggregate.P50:
    case MetricAggregate.P95:
    case MetricAggregate.P99:
      throw new Error(`${aggregate} is not computed from moments`);
  }
}

/** Reads metrics back: series over time, and one value over a window. */
@Injectable()
export class MetricsQueryService {
  constructor(
    @InjectModel(MetricBucketRecord.name) private readonly buckets: Model<MetricBucketRecord>,
    @InjectModel(MetricPointRecord.name) private readonly points: Model<MetricPointRecord>,
    private readonly registry: MetricSeriesService,
    private readonly config: AppConfig,
  ) {}

  /**
   * A series: one value per step from the coarsest stored resolution that serves the step. Steps
   * are aligned to the epoch (each starts at a multiple of the step) and cover [from, to); each
   * value is that of its whole step.
   */
  async series(projectId: string, query: SeriesQuery): Promise<SeriesResult> {
    const name = checkMetricName(query.name, 'platform');
    const { labels } = checkLabels(query.labels ?? {});
    const stepSeconds = query.stepSeconds;
    if (!Number.isInteger(stepSeconds) || stepSeconds <= 0 || stepSeconds % 60 !== 0) {
      throw new AnalyticsException(
        AnalyticsExceptionReason.INVALID_STEP,
        'The step is a positive multiple of 60 seconds',
      );
    }
    const [from, to] = this.span(query.from, query.to);
    const stepMs = stepSeconds * 1000;
    const start = Math.floor(from / stepMs) * stepMs;
    const steps = Math.ceil((to - start) / stepMs);
    const maxPoints = this.config.ANALYTICS_MAX_SERIES_POINTS;
    if (steps > maxPoints) {
      throw new AnalyticsException(
        AnalyticsExceptionReason.TOO_MANY_POINTS,
        `This span and step make ${steps} points; at most ${maxPoints}: take a longer step or a shorter span`,
        { points: steps, limit: maxPoints },
      );
    }
    const end = start + steps * stepMs;
    const resolution = servingResolution(stepMs, start, this.config.analyticsRetentionMs, Date.now());
    const at = (i: number): Date => new Date(start + i * stepMs);
    const stepOf = (t: Date): number => Math.floor((t.getTime() - start) / stepMs);

    const matched = await this.registry.matching(projectId, name, labels);
    if (matched.length === 0) {
      const value = valueOfNothing(query.aggregate);
      return { resolution, points: Array.from({ length: steps }, (_v, i) => ({ at: at(i), value })) };
    }
    this.assertQuerySize(matched, start, (end - start) / RESOLUTION_MS[resolution]);
    const match = {
      projectId: toObjectId(projectId),
      name,
      res: resolution,
      t: { $gte: new Date(start), $lt: new Date(end) },
      ...(Object.keys(labels).length > 0 ? { seriesId: { $in: matched.map((series) => series._id) } } : {}),
    };

    const q = QUANTILES[query.aggregate];
    if (q !== undefined) {
      const sketches: (DDSketch | undefined)[] = new Array<DDSketch | undefined>(steps);
      const cursor = this.buckets
        .find(match, { _id: 0, t: 1, sketch: 1, min: 1, max: 1 })
        .lean<{ t: Date; sketch: StoredSketch; min: number; max: number }[]>()
        .cursor();
      for await (const bucket of cursor) {
        const i = stepOf(bucket.t);
        (sketches[i] ??= new DDSketch()).mergeStored(bucket.sketch, bucket.min, bucket.max);
      }
      return {
        resolution,
        points: Array.from({ length: steps }, (_v, i) => ({ at: at(i), value: sketches[i]?.quantile(q) ?? null })),
      };
    }

    // The database adds up the series of each bucket start; the steps gather their buckets here.
    const shift = shiftOf(matched);
    const rows = await this.buckets.aggregate<BucketGroup>([{ $match: match }, ...bucketMoments('$t', shift)]).exec();
    const moments = Array.from({ length: steps }, emptyMoments);
    for (const row of rows) addMoments(moments[stepOf(row._id!)]!, momentsOfGroup(row, shift));
    return {
      resolution,
      points: moments.map((m, i) => ({ at: at(i), value: reduceMoments(m, query.aggregate) })),
    };
  }

  /**
   * One value over [from, to): the points of every series of `name` whose labels include
   * `labels`, reduced by `aggregate`; over no point, 0 for COUNT and SUM and null for the others.
   * Exact over raw points while they are kept (what alert rules evaluate; the standard deviation
   * in two passes, about the mean); a window reaching past ANALYTICS_RAW_RETENTION_HOURS is
   * answered from minute buckets (whole minutes, quantiles within the sketch's error), and so is a
   * quantile over more than WINDOW_RAW_QUANTILE_LIMIT points.
   */
  async window(
    projectId: string,
    name: string,
    labels: Record<string, string>,
    aggregate: MetricAggregate,
    from: Date,
    to: Date,
  ): Promise<number | null> {
    checkMetricName(name, 'platform');
    const filter = checkLabels(labels ?? {}).labels;
    const [start, end] = this.span(from, to);
    if (start < Date.now() - this.config.analyticsRetentionMs.raw) {
      return this.windowFromBuckets(projectId, name, filter, aggregate, start, end);
    }
    const rawMatch = (t: Record<string, unknown>): Record<string, unknown> => {
      const match: Record<string, unknown> = { projectId: toObjectId(projectId), name, ...t };
      for (const [key, value] of Object.entries(filter)) match[`labels.${key}`] = value;
      return match;
    };
    const match = rawMatch({ t: { $gte: new Date(start), $lt: new Date(end) } });

    const q = QUANTILES[aggregate];
    if (q === undefined && end - start >= WINDOW_WHOLE_MINUTES_FROM_MS) {
      // Whole minutes from their buckets, the partial minutes at both ends from raw points.
      const first = Math.ceil(start / MINUTE_MS) * MINUTE_MS;
      const last = Math.floor(end / MINUTE_MS) * MINUTE_MS;
      const [whole, ends] = await Promise.all([
        this.bucketWindowMoments(projectId, name, filter, first, last),
        this.rawMoments(
          rawMatch({
            $or: [
              { t: { $gte: new Date(start), $lt: new Date(first) } },
              { t: { $gte: new Date(last), $lt: new Date(end) } },
            ],
          }),
          aggregate === MetricAggregate.STDDEV,
        ),
      ]);
      addMoments(whole, ends);
      return reduceMoments(whole, aggregate);
    }
    if (q !== undefined) {
      const found = await this.points
        .find(match, { _id: 0, value: 1 })
        .limit(WINDOW_RAW_QUANTILE_LIMIT + 1)
        .lean<{ value: number }[]>()
        .exec();
      if (found.length > WINDOW_RAW_QUANTILE_LIMIT) {
        return this.windowFromBuckets(projectId, name, filter, aggregate, start, end);
      }
      return percentile(
        found.map((p) => p.value).sort((a, b) => a - b),
        q,
      );
    }
    return reduceMoments(await this.rawMoments(match, aggregate === MetricAggregate.STDDEV), aggregate);
  }

  /**
   * The moments of the raw points `match` selects. The squared deviations (only when `deviations`
   * is asked for) take a second pass about the mean of the first, never a sum of squares of the
   * values themselves; what the second pass adds up off the mean corrects for the mean's rounding.
   */
  private async rawMoments(match: Record<string, unknown>, deviations: boolean): Promise<Moments> {
    const [row] = await this.points
      .aggregate<{ count: number; sum: number; min: number; max: number }>([
        { $match: match },
        {
          $group: {
            _id: null,
            count: { $sum: 1 },
            sum: { $sum: '$value' },
            min: { $min: '$value' },
            max: { $max: '$value' },
          },
        },
      ])
      .exec();
    if (!row || row.count === 0) return emptyMoments();
    const moments: Moments = { ...row, mean: row.sum / row.count, m2: 0 };
    if (deviations) {
      const off = { $subtract: ['$value', moments.mean] };
      const [second] = await this.points
        .aggregate<{ n: number; d: number; dd: number }>([
          { $match: match },
          { $group: { _id: null, n: { $sum: 1 }, d: { $sum: off }, dd: { $sum: { $multiply: [off, off] } } } },
        ])
        .exec();
      if (second && second.n > 0) moments.m2 = second.dd - (second.d * second.d) / second.n;
    }
    return moments;
  }

  /** A window from minute buckets (whole minutes: the minute holding `start` counts entirely). */
  private async windowFromBuckets(
    projectId: string,
    name: string,
    labels: Record<string, string>,
    aggregate: MetricAggregate,
    start: number,
    end: number,
  ): Promise<number | null> {
    const q = QUANTILES[aggregate];
    if (q === undefined) {
      return reduceMoments(
        await this.bucketWindowMoments(projectId, name, labels, bucketStart(start, 'minute'), end),
        aggregate,
      );
    }
    const matched = await this.registry.matching(projectId, name, labels);
    if (matched.length === 0) return null;
    const first = bucketStart(start, 'minute');
    // Sketches are merged here, in the event loop: as bounded as a series query's buckets.
    this.assertQuerySize(matched, first, Math.ceil((end - first) / MINUTE_MS));
    const match = {
      projectId: toObjectId(projectId),
      name,
      res: 'minute' as const,
      t: { $gte: new Date(first), $lt: new Date(end) },
      ...(Object.keys(labels).length > 0 ? { seriesId: { $in: matched.map((series) => series._id) } } : {}),
    };
    const sketch = new DDSketch();
    const cursor = this.buckets
      .find(match, { _id: 0, sketch: 1, min: 1, max: 1 })
      .lean<{ sketch: StoredSketch; min: number; max: number }[]>()
      .cursor();
    for await (const bucket of cursor) sketch.mergeStored(bucket.sketch, bucket.min, bucket.max);
    return sketch.quantile(q);
  }

  /** The moments of the minute buckets starting in [first, end) of the series matching `labels`, added up by the database. */
  private async bucketWindowMoments(
    projectId: string,
    name: string,
    labels: Record<string, string>,
    first: number,
    end: number,
  ): Promise<Moments> {
    if (first >= end) return emptyMoments();
    const matched = await this.registry.matching(projectId, name, labels);
    if (matched.length === 0) return emptyMoments();
    const match = {
      projectId: toObjectId(projectId),
      name,
      res: 'minute' as const,
      t: { $gte: new Date(first), $lt: new Date(end) },
      ...(Object.keys(labels).length > 0 ? { seriesId: { $in: matched.map((series) => series._id) } } : {}),
    };
    const shift = shiftOf(matched);
    const [row] = await this.buckets.aggregate<BucketGroup>([{ $match: match }, ...bucketMoments(null, shift)]).exec();
    return row ? momentsOfGroup(row, shift) : emptyMoments();
  }

  /**
   * Refuses a read of more than ANALYTICS_MAX_QUERY_BUCKETS buckets: the matched series that have
   * had a point since `since` (a series has no bucket after its latest point), times the buckets
   * each holds over the span at most.
   */
  private assertQuerySize(matched: readonly MatchedSeries[], since: number, bucketsPerSeries: number): void {
    const active = matched.filter((series) => series.lastSeenAt.getTime() >= since).length;
    const buckets = active * bucketsPerSeries;
    const limit = this.config.ANALYTICS_MAX_QUERY_BUCKETS;
    if (buckets > limit) {
      throw new AnalyticsException(
        AnalyticsExceptionReason.QUERY_TOO_LARGE,
        `This query would read ${buckets} stored buckets (${active} series × ${bucketsPerSeries}); at most ${limit}: filter by labels, or take a longer step or a shorter span`,
        { buckets, series: active, limit },
      );
    }
  }

  /** [from, to) in milliseconds, refused unless both are times and from is before to. */
  private span(from: Date, to: Date): [number, number] {
    const start = from instanceof Date ? from.getTime() : NaN;
    const end = to instanceof Date ? to.getTime() : NaN;
    if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) {
      throw new AnalyticsException(
        AnalyticsExceptionReason.INVALID_TIME_RANGE,
        '`from` and `to` are times, and `from` is before `to`',
      );
    }
    return [start, end];
  }
}
