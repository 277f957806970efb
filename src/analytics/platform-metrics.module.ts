import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ProjectsModule } from '../projects/projects.module';
import { AnalyticsModule } from './analytics.module';
import { DashboardService } from './dashboard.service';
import { PlatformMetricsListener } from './listeners/platform-metrics.listener';
import { MetricBucketRecord, MetricBucketSchema } from './metric-bucket.schema';
import { MetricRowsService } from './metric-rows.service';
import { MetricSeriesRecord, MetricSeriesSchema } from './metric-series.schema';
import { MetricsReportService } from './metrics-report.service';
import { PlatformMetricsResolver } from './platform-metrics.resolver';

/**
 * The platform's own metrics (recorded from builds, deployments, functions, webhook deliveries and
 * API operations), the dashboard that shows them and the report that exports every metric.
 */
@Module({
  imports: [
    AnalyticsModule,
    // The listener records nothing for a project that is gone (ProjectsService's shared cache).
    ProjectsModule,
    // The report reads the stored buckets and series as they are (see MetricRowsService).
    MongooseModule.forFeature([
      { name: MetricSeriesRecord.name, schema: MetricSeriesSchema },
      { name: MetricBucketRecord.name, schema: MetricBucketSchema },
    ]),
  ],
  providers: [
    PlatformMetricsListener,
    MetricRowsService,
    DashboardService,
    MetricsReportService,
    PlatformMetricsResolver,
  ],
})
export class PlatformMetricsModule {}
