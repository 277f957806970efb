import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { endedAt } from '../common/mongo/expiry';
import { toObjectId } from '../common/mongo/object-id';
import { MetricBucketRecord } from './metric-bucket.schema';
import { MetricPointRecord } from './metric-point.schema';
import { MetricSeriesService } from './metric-series.service';

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
  ) {}

  /** Deletes raw points and buckets past their retention. */
  async sweep(now = new Date()): Promise<{ points: number; buckets: number }> {
    const [points, buckets] = await Promise.all([
      this.points.deleteMany(endedAt(now)).exec(),
      this.buckets.deleteMany(endedAt(now)).exec(),
    ]);
    return { points: points.deletedCount, buckets: buckets.deletedCount };
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
