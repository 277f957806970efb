/**
 * The metrics the platform records of itself (`source: 'platform'`), from domain events and
 * measurements (`listeners/platform-metrics.listener.ts`); the dashboard reads them. Values are in
 * the unit named beside each.
 */
export const PlatformMetric = {
  /** ms from a build's start to its end, labels `{ outcome: succeeded | failed | canceled }`. */
  BUILD_DURATION: 'slipway.build.duration',
  /** ms from a build's queueing to its start. */
  BUILD_QUEUE_WAIT: 'slipway.build.queue_wait',
  /** 1 per deployment (`count`), labels `{ kind: production | preview }`. */
  DEPLOYMENT_CREATED: 'slipway.deployment.created',
  /** ms an invocation ran, labels `{ function, status: ok | error, cold: true | false }`. */
  FUNCTION_INVOCATION: 'slipway.function.invocation',
  /**
   * 1 per invocation that failed with no duration (`count`): its code never ran (it could not be
   * loaded, the function was disabled) or its worker stopped. Labels `{ function }`. Kept apart so
   * that durations are only those of invocations that ran.
   */
  FUNCTION_UNTIMED: 'slipway.function.untimed',
  /** ms a webhook delivery attempt took, labels `{ outcome: delivered | failed }`. */
  WEBHOOK_DELIVERY: 'slipway.webhook.delivery',
  /**
   * 1 per webhook delivery attempt that failed before anything was sent (`count`): the event is no
   * longer kept, or the address is refused. Labels `{ reason: EVENT_GONE | FORBIDDEN_ADDRESS }`.
   */
  WEBHOOK_UNSENT: 'slipway.webhook.unsent',
  /** ms an API operation took, labels `{ operation: <root field>, outcome: ok | error }`. */
  API_REQUEST: 'slipway.api.request',
} as const;

export type PlatformMetricName = (typeof PlatformMetric)[keyof typeof PlatformMetric];
