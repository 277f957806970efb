import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../access/access.decorators';
import { AnalyticsService } from './analytics.service';
import { DeleteMetricInput } from './dto/delete-metric.input';
import { MetricNamesArgs } from './dto/metric-names.args';
import { MetricSeriesArgs } from './dto/metric-series.args';
import { RecordMetricInput } from './dto/record-metric.input';
import { RecordMetricsInput } from './dto/record-metrics.input';
import { DeletedMetric } from './models/deleted-metric.model';
import { MetricName } from './models/metric-name.model';
import { MetricSeries } from './models/metric-series.model';
import { RecordedMetrics } from './models/recorded-metrics.model';

@Resolver()
export class AnalyticsResolver {
  constructor(private readonly analytics: AnalyticsService) {}

  @Mutation(() => RecordedMetrics, {
    description: 'Records one point of a metric of the project; answers once it is stored.',
  })
  @RequirePermission('metric:create', { projectIdArg: 'input.projectId' })
  recordMetric(@Args('input') input: RecordMetricInput): Promise<RecordedMetrics> {
    const { projectId, ...point } = input;
    return this.analytics.record(projectId, [point]);
  }

  @Mutation(() => RecordedMetrics, {
    description: 'Records up to 1000 points of metrics of the project: all of them, or none when one breaks a rule.',
  })
  @RequirePermission('metric:create', { projectIdArg: 'input.projectId' })
  recordMetrics(@Args('input') input: RecordMetricsInput): Promise<RecordedMetrics> {
    return this.analytics.record(input.projectId, input.points);
  }

  @Mutation(() => DeletedMetric, {
    description:
      'Deletes a metric of the project: every series (label set), bucket and point of it. Its label sets and name no longer count against the bounds; recording it again starts it anew.',
  })
  @RequirePermission('metric:delete', { projectIdArg: 'input.projectId' })
  deleteMetric(@Args('input') input: DeleteMetricInput): Promise<DeletedMetric> {
    return this.analytics.deleteMetric(input.projectId, input.name);
  }

  @Query(() => MetricSeries, {
    description:
      'A metric over [from, to), one value per step, from the coarsest stored resolution that serves the step; quantiles within 1 %.',
  })
  @RequirePermission('metric:read')
  metricSeries(@Args() args: MetricSeriesArgs): Promise<MetricSeries> {
    return this.analytics.metricSeries(args);
  }

  @Query(() => [MetricName], { description: "The project's metrics, by name." })
  @RequirePermission('metric:read')
  metricNames(@Args() args: MetricNamesArgs): Promise<MetricName[]> {
    return this.analytics.metricNames(args.projectId);
  }
}
