import { Injectable } from '@nestjs/common';
import type { MetricPoint, MetricSource } from './metrics.types';

/** Records metric points: buffered, written in batches to every stored resolution. */
@Injectable()
export class MetricsRecorderService {
  /**
   * Records points of a project's metrics. Resolves once they are stored; refuses (an
   * AnalyticsException) a batch with a point that breaks the rules, storing none of it.
   */
  record(projectId: string, points: MetricPoint[], source: MetricSource): Promise<void> {
    void projectId;
    void points;
    void source;
    return Promise.reject(new Error('MetricsRecorderService.record is not built yet'));
  }
}
