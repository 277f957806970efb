import { Injectable } from '@nestjs/common';
import type { MetricAggregate } from './models/metric-aggregate.enum';
import type { SeriesQuery, SeriesResult } from './metrics.types';

/** Reads metrics back: series over time, and one value over a window. */
@Injectable()
export class MetricsQueryService {
  /** A series: one value per step from the coarsest stored resolution that serves the step. */
  series(projectId: string, query: SeriesQuery): Promise<SeriesResult> {
    void projectId;
    void query;
    return Promise.reject(new Error('MetricsQueryService.series is not built yet'));
  }

  /**
   * One value over [from, to): the points of every series of `name` whose labels include
   * `labels`, reduced by `aggregate`; null when there is none. Exact over raw points while they
   * are kept (what alert rules evaluate).
   */
  window(
    projectId: string,
    name: string,
    labels: Record<string, string>,
    aggregate: MetricAggregate,
    from: Date,
    to: Date,
  ): Promise<number | null> {
    void projectId;
    void name;
    void labels;
    void aggregate;
    void from;
    void to;
    return Promise.reject(new Error('MetricsQueryService.window is not built yet'));
  }
}
