import { BullModule, InjectQueue } from '@nestjs/bull';
import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../../config/app-config';
import { scheduleEvery } from '../../jobs/schedule';
import { AnalyticsModule } from '../analytics.module';
import { ANALYTICS_QUEUE, AnalyticsJob } from './analytics-jobs';
import { AnalyticsSweepProcessor } from './analytics-sweep.processor';

/** What a worker runs for analytics: the retention sweep, every ANALYTICS_SWEEP_INTERVAL_MS. */
@Module({
  imports: [AnalyticsModule, BullModule.registerQueue({ name: ANALYTICS_QUEUE })],
  providers: [AnalyticsSweepProcessor],
})
export class AnalyticsJobsModule implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(ANALYTICS_QUEUE) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await scheduleEvery(
      this.queue,
      AnalyticsJob.SWEEP,
      { requestedAt: new Date().toISOString() },
      this.config.ANALYTICS_SWEEP_INTERVAL_MS,
    );
  }
}
