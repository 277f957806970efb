import { Process, Processor } from '@nestjs/bull';
import { MetricsRetentionService } from '../metrics-retention.service';
import { ANALYTICS_QUEUE, AnalyticsJob } from './analytics-jobs';

@Processor(ANALYTICS_QUEUE)
export class AnalyticsSweepProcessor {
  constructor(private readonly retention: MetricsRetentionService) {}

  /** Idempotent: deletes what has expired by now. */
  @Process(AnalyticsJob.SWEEP)
  sweep(): Promise<{ points: number; buckets: number }> {
    return this.retention.sweep();
  }
}
