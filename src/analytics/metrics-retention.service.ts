import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { endedAt } from '../common/mongo/expiry';
import { toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import { MetricBucketRecord } from './metric-bucket.schema';
import { MetricPointRecord } from './metric-point.schema';
import { MetricSeriesService } from './metric-series.service';
import { checkMetricName } from './metric-rules';
import { AnalyticsException, AnalyticsExceptionReason } from './analytics.exception';

/** A series pending this long was left by a process that stopped while creating it. */
const PENDING_EXPIRY_MS = 3_600_000;

/**
 * What metrics keep and for how long: raw points ANALYTICS_RAW_RETENTION_HOURS, each resolution's
 * buckets its own days. Every record carries its `expiresAt`; a TTL index removes them on MongoDB,
 * and the worker sweep does too, so retention holds on servers that do not run TTL monitors.
 */
@Injectable()
export class MetricsRetentionService {
  constructor(
    @InjectModel(MetricBucketRecord.name) private readonly buckets: Model<MetricBucketRecord>,
    @InjectModel(MetricPointRecord.name) private readonly points: Model<MetricPointRecord>,
    private readonly series: MetricSeriesService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Deletes raw points and buckets past their retention, then the series with no point for longer
   * than day buckets are kept and no bucket left (and series a stopped process left pending for
   * an hour): a label set or name that is gone counts against the bounds no more.
   */
  async sweep(now = new Date()): Promise<{ points: number; buckets: number; series: number }> {
    const [points, buckets] = await Promise.all([
      this.points.deleteMany(endedAt(now)).exec(),
      this.buckets.deleteMany(endedAt(now)).exec(),
    ]);
    const series = await this.series.expire(
      new Date(now.getTime() - this.config.analyticsRetentionMs.day),
      new Date(now.getTime() - PENDING_EXPIRY_MS),
      (ids) => this.buckets.distinct('seriesId', { seriesId: { $in: ids } }).exec() as Promise<Types.ObjectId[]>,
    );
    return { points: points.deletedCount, buckets: buckets.deletedCount, series };
  }

  /**
   * Deletes one metric of a project: its series (forgotten in every process), then its buckets and
   * raw points. A write under way in another process finds its series gone and removes what it
   * wrote (`MetricsRecorderService`). Refused for the platform's own names; NOT_FOUND when the
   * project has no such metric.
   */
  async deleteMetric(
    projectId: string,
    name: string,
  ): Promise<{ name: string; series: number; buckets: number; points: number }> {
    checkMetricName(name, 'user');
    const project = toObjectId(projectId);
    const ids = await this.series.deleteMetric(projectId, name);
    // Only under the series deleted: one that a write in another process makes again meanwhile
    // keeps all it gets, so its buckets and raw points keep counting the same writes.
    const [buckets, points] = await Promise.all([
      this.buckets.deleteMany({ projectId: project, name, seriesId: { $in: ids } }).exec(),
      this.points.deleteMany({ projectId: project, name, seriesId: { $in: ids } }).exec(),
    ]);
    const series = ids.length;
    if (series + buckets.deletedCount + points.deletedCount === 0) {
      throw new AnalyticsException(AnalyticsExceptionReason.METRIC_NOT_FOUND, `The project has no metric "${name}"`, {
        name,
      });
    }
    return { name, series, buckets: buckets.deletedCount, points: points.deletedCount };
  }

  /** A deleted project's metrics go with it. */
  async forgetProject(projectId: string): Promise<void> {
    const project = toObjectId(projectId);
    await Promise.all([
      this.points.deleteMany({ projectId: project }).exec(),
      this.buckets.deleteMany({ projectId: project }).exec(),
    ]);
    await this.series.forgetProject(projectId);
  }
}
