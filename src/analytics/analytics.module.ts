import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AnalyticsResolver } from './analytics.resolver';
import { AnalyticsService } from './analytics.service';
import { ProjectMetricsListener } from './listeners/project-metrics.listener';
import { MetricBucketRecord, MetricBucketSchema } from './metric-bucket.schema';
import { MetricPointRecord, MetricPointSchema } from './metric-point.schema';
import { MetricSeriesRecord, MetricSeriesSchema } from './metric-series.schema';
import { MetricSeriesService } from './metric-series.service';
import { MetricsQueryService } from './metrics-query.service';
import { MetricsRecorderService } from './metrics-recorder.service';
import { MetricsRetentionService } from './metrics-retention.service';

/** Analytics: metrics recorded by users and by the platform, stored for time series, queried back. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: MetricSeriesRecord.name, schema: MetricSeriesSchema },
      { name: MetricBucketRecord.name, schema: MetricBucketSchema },
      { name: MetricPointRecord.name, schema: MetricPointSchema },
    ]),
  ],
  providers: [
    MetricSeriesService,
    MetricsRecorderService,
    MetricsQueryService,
    MetricsRetentionService,
    AnalyticsService,
    AnalyticsResolver,
    ProjectMetricsListener,
  ],
  exports: [MetricsRecorderService, MetricsQueryService, MetricsRetentionService],
})
export class AnalyticsModule {}
