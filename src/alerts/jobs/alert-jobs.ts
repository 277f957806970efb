/** The alerts' Bull queue: the evaluation of alert rules. */
export const ALERTS_QUEUE = 'alerts';

export enum AlertJob {
  /** Evaluates the enabled rules not yet evaluated in the current tick (`AlertEvaluatorService.evaluateDue`). */
  EVALUATE = 'alerts.evaluate',
}

/** Job payloads: ids and plain values only, never documents. */
export interface AlertJobPayloads {
  [AlertJob.EVALUATE]: { requestedAt: string };
}
