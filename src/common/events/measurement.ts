/**
 * The in-process event a measurement travels on (`EventEmitter2`, not the `EventBus`): listeners
 * use `@OnEvent(MEASURED)`.
 */
export const MEASURED = 'measured';

/**
 * A value the platform measured where no domain event tells of it: a webhook delivery attempt, an
 * API operation. Never a `DomainEvent`: it is not news for the project's webhooks or live streams,
 * only a figure for its metrics. Emitted with `emitter.emit(MEASURED, measurement)`, which must
 * cost its emitter nothing: listeners take it from there and never throw back.
 */
export interface Measurement {
  projectId: string;
  /** The metric's name (`slipway.…`). */
  name: string;
  value: number;
  unit?: string;
  labels?: Record<string, string>;
  /** When it was observed; now when absent. */
  at?: Date;
}
