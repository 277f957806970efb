/** The webhooks feature's Bull queue: deliveries and the outbox sweep. */
export const WEBHOOKS_QUEUE = 'webhooks';

export enum WebhookJob {
  /** Delivers an endpoint's due deliveries, oldest first (`WebhookDeliveryService.drain`). */
  DELIVER = 'webhooks.deliver',
  /** Dispatches outbox entries a dead process left behind and wakes endpoints nothing carries. */
  SWEEP = 'webhooks.sweep',
}

/** Job payloads: ids and plain values only, never documents. */
export interface WebhookJobPayloads {
  [WebhookJob.DELIVER]: { webhookId: string };
  [WebhookJob.SWEEP]: { requestedAt: string };
}
