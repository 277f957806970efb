import { Module } from '@nestjs/common';
import { MetricsQueryService } from './metrics-query.service';
import { MetricsRecorderService } from './metrics-recorder.service';

/** Analytics: metrics recorded by users and by the platform, stored for time series, queried back. */
@Module({
  providers: [MetricsRecorderService, MetricsQueryService],
  exports: [MetricsRecorderService, MetricsQueryService],
})
export class AnalyticsModule {}
