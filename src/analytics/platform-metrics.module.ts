import { Module } from '@nestjs/common';
import { AnalyticsModule } from './analytics.module';
import { PlatformMetricsListener } from './listeners/platform-metrics.listener';

/** The platform's own metrics, recorded from builds, deployments, functions, webhook deliveries and API operations. */
@Module({
  imports: [AnalyticsModule],
  providers: [PlatformMetricsListener],
})
export class PlatformMetricsModule {}
