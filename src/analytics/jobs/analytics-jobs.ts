/** The analytics feature's Bull queue: the retention sweep. */
export const ANALYTICS_QUEUE = 'analytics';

export enum AnalyticsJob {
  /** Deletes metric points, buckets and series past their retention (`MetricsRetentionService.sweep`). */
  SWEEP = 'analytics.sweep',
}

/** Job payloads: plain values only. */
export interface AnalyticsJobPayloads {
  [AnalyticsJob.SWEEP]: { requestedAt: string };
}
