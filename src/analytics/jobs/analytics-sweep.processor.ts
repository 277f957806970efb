import { Process, Processor } from '@nestjs/bull';
import { MetricsRetentionService } from '../metrics-retention.service';
import { ANALYTICS_QUEUE, AnalyticsJob } from './analytics-jobs';

@Processor(ANALYTICS_QUEUE)
export class AnalyticsSweepProcessor {
  constructor(private readonly retention: MetricsRetentionService) {}

  /** Idempotent: deletes points, buckets and series that have expired by now. */
  @Process(AnalyticsJob.SWEEP)
  sweep(): Promise<{ points: number; buckets: number; series: number }> {
    return this.retention.sweep();
  }
}
