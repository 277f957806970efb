import { BullModule, InjectQueue } from '@nestjs/bull';
import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../../config/app-config';
import { scheduleEvery } from '../../jobs/schedule';
import { AlertsModule } from '../alerts.module';
import { AlertEvaluationProcessor } from './alert-evaluation.processor';
import { ALERTS_QUEUE, AlertJob } from './alert-jobs';

/** What a worker runs for alerts: the evaluation of the rules, every ALERT_EVALUATION_INTERVAL_MS. */
@Module({
  imports: [AlertsModule, BullModule.registerQueue({ name: ALERTS_QUEUE })],
  providers: [AlertEvaluationProcessor],
})
export class AlertJobsModule implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(ALERTS_QUEUE) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await scheduleEvery(
      this.queue,
      AlertJob.EVALUATE,
      { requestedAt: new Date().toISOString() },
      this.config.ALERT_EVALUATION_INTERVAL_MS,
    );
  }
}
