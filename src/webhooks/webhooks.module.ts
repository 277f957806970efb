import { BullModule } from '@nestjs/bull';
import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../access/access.module';
import { ResourceLocator } from '../access/resource-locator';
import { EventOutbox } from '../common/events/event-outbox';
import { WEBHOOKS_QUEUE } from './jobs/webhook-jobs';
import { ProjectWebhooksListener } from './listeners/project-webhooks.listener';
import { WebhookAddresses } from './webhook-addresses';
import { WebhookDeliveryRecord, WebhookDeliverySchema } from './webhook-delivery.schema';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookMessageRecord, WebhookMessageSchema } from './webhook-message.schema';
import { WebhookOutboxService } from './webhook-outbox.service';
import { WebhookSecretsService } from './webhook-secrets.service';
import { WebhookRecord, WebhookSchema } from './webhook.schema';
import { WebhooksResolver } from './webhooks.resolver';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks: endpoints of a project sent its events, signed as Standard Webhooks specifies, from a
 * durable outbox the event bus writes before announcing an event (docs/webhooks.md).
 */
@Module({
  imports: [
    AccessModule,
    BullModule.registerQueue({ name: WEBHOOKS_QUEUE }),
    MongooseModule.forFeature([
      { name: WebhookRecord.name, schema: WebhookSchema },
      { name: WebhookMessageRecord.name, schema: WebhookMessageSchema },
      { name: WebhookDeliveryRecord.name, schema: WebhookDeliverySchema },
    ]),
  ],
  providers: [
    WebhooksService,
    WebhookOutboxService,
    WebhookDeliveryService,
    WebhookSecretsService,
    WebhookAddresses,
    ProjectWebhooksListener,
    WebhooksResolver,
  ],
  exports: [WebhookOutboxService, WebhookDeliveryService],
})
export class WebhooksModule implements OnModuleInit {
  constructor(
    private readonly locator: ResourceLocator,
    private readonly outbox: EventOutbox,
    private readonly webhooks: WebhooksService,
    private readonly sink: WebhookOutboxService,
  ) {}

  onModuleInit(): void {
    this.locator.register('webhook', (id) => this.webhooks.projectOf(id));
    this.locator.register('webhookDelivery', (id) => this.webhooks.projectOfDelivery(id));
    this.outbox.register(this.sink);
  }
}
