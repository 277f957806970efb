import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, mongo } from 'mongoose';
import { toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import { AnalyticsException, AnalyticsExceptionReason } from './analytics.exception';
import { MetricBucketRecord } from './metric-bucket.schema';
import { MetricPointRecord } from './metric-point.schema';
import { BUCKET_RESOLUTIONS, bucketStart, checkPoints, type BucketResolution, type CheckedPoint } from './metric-rules';
import { MetricSeriesService, type SeenSeries, type SeriesRef } from './metric-series.service';
import type { MetricPoint, MetricSource } from './metrics.types';
import { sketchKeyOf } from './sketch/dd-sketch';

/** What the points of one write add to one bucket. */
interface BucketDelta {
  seriesId: string;
  projectId: string;
  name: string;
  res: BucketResolution;
  t: number;
  /** The series' reference value; null for a series stored without one (its buckets take plain sums). */
  ref: number | null;
  count: number;
  sum: number;
  /** The sum of `value - ref`, and of its squares. */
  dsum: number;
  sumsq: number;
  min: number;
  max: number;
  sketch: Map<string, number>;
}

interface RawPoint {
  projectId: string;
  name: string;
  seriesId: string;
  labels: Record<string, string>;
  value: number;
  t: Date;
}

/** The points that arrived while the previous write was under way: written together. */
class PendingWrite {
  readonly buckets = new Map<string, BucketDelta>();
  readonly points: RawPoint[] = [];
  /** Per series id, its latest point and unit. */
  readonly seen = new Map<string, SeenSeries>();
  size = 0;
  readonly done: Promise<void>;
  resolve!: () => void;
  reject!: (error: unknown) => void;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Every caller awaits `done`; this only keeps a failure nobody awaits any more from being unhandled.
    this.done.catch(() => undefined);
  }

  add(projectId: string, series: SeriesRef, point: CheckedPoint): void {
    const seriesId = series.id;
    const time = point.at.getTime();
    const key = sketchKeyOf(point.value);
    // Exact when the value is close to the reference (Sterbenz): what keeps the spread of large values.
    const shifted = point.value - (series.ref ?? 0);
    for (const res of BUCKET_RESOLUTIONS) {
      const t = bucketStart(time, res);
      const id = `${seriesId}|${res}|${t}`;
      let bucket = this.buckets.get(id);
      if (!bucket) {
        bucket = {
          seriesId,
          projectId,
          name: point.name,
          res,
          t,
          ref: series.ref,
          count: 0,
          sum: 0,
          dsum: 0,
          sumsq: 0,
          min: Infinity,
          max: -Infinity,
          sketch: new Map(),
        };
        this.buckets.set(id, bucket);
      }
      bucket.count += 1;
      bucket.sum += point.value;
      bucket.dsum += shifted;
      bucket.sumsq += shifted * shifted;
      bucket.min = Math.min(bucket.min, point.value);
      bucket.max = Math.max(bucket.max, point.value);
      bucket.sketch.set(key, (bucket.sketch.get(key) ?? 0) + 1);
    }
    this.points.push({ projectId, name: point.name, seriesId, labels: point.labels, value: point.value, t: point.at });
    const seen = this.seen.get(seriesId);
    if (!seen || seen.lastSeenAt < point.at) {
      const cacheKey = MetricSeriesService.cacheKey(projectId, point.name, point.labelsKey);
      this.seen.set(seriesId, { lastSeenAt: point.at, unit: point.unit, cacheKey });
    }
    this.size += 1;
  }
}

/** Bucket upserts that lost a race to create their bucket are tried again this many times. */
const UPSERT_ATTEMPTS = 3;

/**
 * Records metric points. A batch is checked whole before anything is stored; then its points join
 * the write that is gathering (a group commit, as the audit log does): points that arrive while a
 * write is under way are merged in memory, one upsert per bucket (series, resolution, start), and
 * written next, with their raw points, in one round. `record` resolves once the write holding its
 * points is done.
 */
@Injectable()
export class MetricsRecorderService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(MetricsRecorderService.name);
  private next = new PendingWrite();
  /** Points accepted and not yet written. */
  private pending = 0;
  private writing = false;
  private draining: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    @InjectModel(MetricBucketRecord.name) private readonly buckets: Model<MetricBucketRecord>,
    @InjectModel(MetricPointRecord.name) private readonly points: Model<MetricPointRecord>,
    private readonly series: MetricSeriesService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Records points of a project's metrics. Resolves once they are stored; refuses (an
   * AnalyticsException) a batch with a point that breaks the rules, storing none of it.
   */
  async record(projectId: string, points: MetricPoint[], source: MetricSource): Promise<void> {
    const checked = checkPoints(points, source, Date.now(), this.config.analyticsRetentionMs.minute);
    if (checked.length === 0) return;
    this.assertRoom(checked.length);
    const series = await this.series.resolve(projectId, source, checked);
    this.assertRoom(checked.length);
    const write = this.next;
    for (const point of checked) {
      write.add(projectId, series.get(`${point.name}\u0000${point.labelsKey}`)!, point);
    }
    this.pending += checked.length;
    if (!this.writing) this.draining = this.drain();
    return write.done;
  }

  private assertRoom(count: number): void {
    if (this.closed || this.pending + count > this.config.ANALYTICS_MAX_PENDING_POINTS) {
      throw new AnalyticsException(
        AnalyticsExceptionReason.RECORDER_BUSY,
        this.closed
          ? 'This process is stopping and records no more points; try again'
          : 'Too many points are waiting to be stored; try again shortly',
        { retryAfterSeconds: 5 },
      );
    }
  }

  /** Writes until nothing is gathering; `writing` is cleared in the same turn as the last check. */
  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.next.size > 0) {
        const write = this.next;
        this.next = new PendingWrite();
        try {
          await this.store(write);
          write.resolve();
        } catch (error) {
          this.logger.warn(`Could not store ${write.size} metric points: ${(error as Error).message}`);
          write.reject(error);
        } finally {
          this.pending -= write.size;
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async store(write: PendingWrite): Promise<void> {
    const now = Date.now();
    const retention = this.config.analyticsRetentionMs;
    const raw = write.points
      .filter((point) => point.t.getTime() + retention.raw > now)
      .map((point) => ({
        projectId: toObjectId(point.projectId),
        name: point.name,
        seriesId: toObjectId(point.seriesId),
        labels: point.labels,
        value: point.value,
        t: point.t,
        expiresAt: new Date(point.t.getTime() + retention.raw),
      }));
    const upserts = [...write.buckets.values()].map((bucket) => {
      const inc: Record<string, number> = { count: bucket.count, sum: bucket.sum, sumsq: bucket.sumsq };
      // A series stored without a reference keeps plain sums (`ref` 0, `dsum` read as `sum`) in its buckets.
      if (bucket.ref !== null) inc.dsum = bucket.dsum;
      for (const [key, n] of bucket.sketch) inc[`sketch.${key}`] = n;
      return {
        updateOne: {
          filter: { seriesId: toObjectId(bucket.seriesId), res: bucket.res, t: new Date(bucket.t) },
          update: {
            $inc: inc,
            $min: { min: bucket.min },
            $max: { max: bucket.max },
            $setOnInsert: {
              projectId: toObjectId(bucket.projectId),
              name: bucket.name,
              ...(bucket.ref === null ? {} : { ref: bucket.ref }),
              expiresAt: new Date(bucket.t + retention[bucket.res]),
            },
          },
          upsert: true,
        },
      } satisfies mongo.AnyBulkWriteOperation<mongo.Document>;
    });
    await Promise.all([
      this.upsertBuckets(upserts),
      raw.length > 0 ? this.points.collection.insertMany(raw, { ordered: false }) : undefined,
    ]);
    // After the buckets and points: a series deleted meanwhile (`deleteMetric`, expiry) is found
    // gone here, and what was just written under it is removed, so nothing is left under a
    // deleted series (its deleter removes buckets after the series, so either it or this does).
    const gone = await this.series.touch(write.seen);
    if (gone.length > 0) {
      const ids = gone.map(toObjectId);
      await Promise.all([
        this.buckets.deleteMany({ seriesId: { $in: ids } }).exec(),
        this.points.deleteMany({ seriesId: { $in: ids } }).exec(),
      ]);
      this.logger.log(`Dropped the points of ${gone.length} metric series deleted while they were written`);
    }
  }

  /**
   * Two processes creating one bucket at once: one insert wins, the other's upsert fails on the
   * unique index without having changed anything, and is simply made again (now an update).
   */
  private async upsertBuckets(operations: mongo.AnyBulkWriteOperation<mongo.Document>[]): Promise<void> {
    let remaining = operations;
    for (let attempt = 1; remaining.length > 0; attempt++) {
      try {
        await this.buckets.collection.bulkWrite(remaining, { ordered: false });
        return;
      } catch (error) {
        const writeErrors = (error as { writeErrors?: { index: number; code?: number }[] }).writeErrors;
        if (attempt >= UPSERT_ATTEMPTS || !writeErrors?.length || !writeErrors.every((e) => e.code === 11000)) {
          throw error;
        }
        remaining = writeErrors.map((e) => remaining[e.index]!);
      }
    }
  }

  /**
   * Before, not on, application shutdown: requests have drained and MongoDB is still open. Points
   * accepted are written (within MONGODB_TIMEOUT_MS); later ones are refused.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (!this.writing) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.config.MONGODB_TIMEOUT_MS);
    });
    const outcome = await Promise.race([this.draining.then(() => 'stored' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.logger.error(`Stopping with ${this.pending} metric points MongoDB did not take`);
  }
}
