import { DomainEvent } from '../../common/events/domain-event';

/** Base of the webhook.* events: which endpoint, never its secret. */
export abstract class WebhookLifecycleEvent extends DomainEvent {
  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly webhookId: string,
    readonly url: string,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return { webhookId: this.webhookId, url: this.url };
  }
}

export class WebhookCreatedEvent extends WebhookLifecycleEvent {
  static readonly eventName = 'webhook.created';
  readonly name = WebhookCreatedEvent.eventName;
}

export class WebhookUpdatedEvent extends WebhookLifecycleEvent {
  static readonly eventName = 'webhook.updated';
  readonly name = WebhookUpdatedEvent.eventName;
}

export class WebhookDeletedEvent extends WebhookLifecycleEvent {
  static readonly eventName = 'webhook.deleted';
  readonly name = WebhookDeletedEvent.eventName;
}

export class WebhookSecretRotatedEvent extends WebhookLifecycleEvent {
  static readonly eventName = 'webhook.secret_rotated';
  readonly name = WebhookSecretRotatedEvent.eventName;
}

/** The platform disabled an endpoint that kept failing for WEBHOOK_DISABLE_AFTER. */
export class WebhookDisabledEvent extends WebhookLifecycleEvent {
  static readonly eventName = 'webhook.disabled';
  readonly name = WebhookDisabledEvent.eventName;

  constructor(
    projectId: string,
    webhookId: string,
    url: string,
    readonly reason: string,
  ) {
    super(projectId, undefined, webhookId, url);
  }

  override payload(): Record<string, unknown> {
    return { ...super.payload(), reason: this.reason };
  }
}
