import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { WebhookDeliveryService } from '../webhook-delivery.service';
import { WebhookOutboxService } from '../webhook-outbox.service';
import { WEBHOOKS_QUEUE, WebhookJob, type WebhookJobPayloads } from './webhook-jobs';

/** Endpoints delivered to at once by one worker; each endpoint is still delivered to one delivery at a time. */
const DELIVERY_CONCURRENCY = 8;

@Processor(WEBHOOKS_QUEUE)
export class WebhookDeliveryProcessor {
  constructor(
    private readonly deliveries: WebhookDeliveryService,
    private readonly outbox: WebhookOutboxService,
  ) {}

  /** Idempotent: delivers only what is due, under the endpoint's lease. */
  @Process({ name: WebhookJob.DELIVER, concurrency: DELIVERY_CONCURRENCY })
  deliver(job: Job<WebhookJobPayloads[WebhookJob.DELIVER]>): Promise<{ attempted: number }> {
    return this.deliveries.drain(job.data.webhookId);
  }

  @Process(WebhookJob.SWEEP)
  sweep(): Promise<{ dispatched: number; woken: number }> {
    return this.outbox.sweep();
  }
}
