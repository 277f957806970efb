import { BullModule, InjectQueue } from '@nestjs/bull';
import { Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { scheduleEvery } from '../../jobs/schedule';
import { AppConfig } from '../../config/app-config';
import { WebhookOutboxService } from '../webhook-outbox.service';
import { WebhooksModule } from '../webhooks.module';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor';
import { WEBHOOKS_QUEUE, WebhookJob } from './webhook-jobs';

/**
 * What a worker runs for webhooks: deliveries, and the sweep that finds what a dead process left
 * (once at start, then every WEBHOOK_SWEEP_INTERVAL_MS).
 */
@Module({
  imports: [WebhooksModule, BullModule.registerQueue({ name: WEBHOOKS_QUEUE })],
  providers: [WebhookDeliveryProcessor],
})
export class WebhookJobsModule implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookJobsModule.name);

  constructor(
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue,
    private readonly outbox: WebhookOutboxService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await scheduleEvery(
      this.queue,
      WebhookJob.SWEEP,
      { requestedAt: new Date().toISOString() },
      this.config.WEBHOOK_SWEEP_INTERVAL_MS,
    );
    await this.outbox
      .sweep()
      .catch((error: Error) => this.logger.warn(`Could not sweep the webhook outbox at start: ${error.message}`));
  }
}
