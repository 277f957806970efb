import { DomainEvent } from '../../common/events/domain-event';

/**
 * Base of the webhook.* events: which endpoint, and where it points as scheme, host and port only.
 * They go to every listener of the project (its other endpoints, its event stream), and the path
 * and query of many receivers' URLs (chat services' incoming hooks) are themselves credentials.
 */
export abstract class WebhookLifecycleEvent extends DomainEvent {
  /** `https://hooks.example.com` (with the port when it is not the scheme's). */
  readonly origin: string;

  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly webhookId: string,
    url: string,
  ) {
    super(projectId, actorId);
    this.origin = new URL(url).origin;
  }

  payload(): Record<string, unknown> {
    return { webhookId: this.webhookId, origin: this.origin };
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
