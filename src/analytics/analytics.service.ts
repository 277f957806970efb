import { Injectable } from '@nestjs/common';
import { AnalyticsException, AnalyticsExceptionReason } from './analytics.exception';
import type { MetricLabelInput } from './dto/metric-label.input';
import type { MetricPointInput } from './dto/metric-point.input';
import type { MetricSeriesArgs } from './dto/metric-series.args';
import { MetricSeriesService } from './metric-series.service';
import { MetricsQueryService } from './metrics-query.service';
import { MetricsRecorderService } from './metrics-recorder.service';
import { MetricsRetentionService } from './metrics-retention.service';
import type { MetricPoint } from './metrics.types';
import { DeletedMetric } from './models/deleted-metric.model';
import { MetricName } from './models/metric-name.model';
import { MetricSeries } from './models/metric-series.model';
import { RecordedMetrics } from './models/recorded-metrics.model';

/**
 * Labels as GraphQL carries them (a list of pairs) as the recorder and queries take them. Gathered
 * in a Map, so that every key given arrives as an own property, `__proto__` too, and the rules of
 * `checkLabels` see it (and refuse that one) rather than it vanishing into the object's prototype.
 */
export function labelsOf(
  pairs: readonly MetricLabelInput[] | null | undefined,
  index?: number,
): Record<string, string> {
  const labels = new Map<string, string>();
  for (const { key, value } of pairs ?? []) {
    if (labels.has(key)) {
      throw new AnalyticsException(
        AnalyticsExceptionReason.INVALID_LABEL_KEY,
        `${index === undefined ? '' : `Point ${index}: `}label "${key}" is given twice`,
        index === undefined ? undefined : { index },
      );
    }
    labels.set(key, value);
  }
  return Object.fromEntries(labels) as Record<string, string>;
}

/** The metric API: users' points in, series and names out. */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly recorder: MetricsRecorderService,
    private readonly queries: MetricsQueryService,
    private readonly series: MetricSeriesService,
    private readonly retention: MetricsRetentionService,
  ) {}

  /** Records users' points, all or none. */
  async record(projectId: string, inputs: readonly MetricPointInput[]): Promise<RecordedMetrics> {
    const points: MetricPoint[] = inputs.map((input, index) => ({
      name: input.name,
      value: input.value,
      unit: input.unit ?? undefined,
      labels: labelsOf(input.labels, inputs.length > 1 ? index : undefined),
      at: input.at ?? undefined,
    }));
    await this.recorder.record(projectId, points, 'user');
    return Object.assign(new RecordedMetrics(), { count: points.length });
  }

  async metricSeries(args: MetricSeriesArgs): Promise<MetricSeries> {
    const result = await this.queries.series(args.projectId, {
      name: args.name,
      from: args.from,
      to: args.to,
      stepSeconds: args.step,
      labels: labelsOf(args.labels),
      aggregate: args.aggregate,
    });
    return MetricSeries.from(args.name, args.aggregate, args.step, result);
  }

  async metricNames(projectId: string): Promise<MetricName[]> {
    return (await this.series.names(projectId)).map((summary) => MetricName.from(summary));
  }

  /** Deletes a users' metric: its series, buckets and points. */
  async deleteMetric(projectId: string, name: string): Promise<DeletedMetric> {
    return Object.assign(new DeletedMetric(), await this.retention.deleteMetric(projectId, name));
  }
}
