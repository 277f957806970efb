import { DomainEvent } from '../../common/events/domain-event';
import type { AlertState } from '../alert-state';
import type { AlertSeverity } from '../alert.schema';

/** Base of alert.fired and alert.resolved: which rule, and what its evaluation saw. */
export abstract class AlertNotificationEvent extends DomainEvent {
  constructor(
    projectId: string,
    /** Who resolved the rule by hand; undefined for an evaluation. */
    actorId: string | undefined,
    readonly alertId: string,
    readonly alertName: string,
    readonly metric: string,
    readonly severity: AlertSeverity,
    readonly value: number | null,
    readonly threshold: number,
    readonly state: AlertState,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return {
      alertId: this.alertId,
      name: this.alertName,
      metric: this.metric,
      severity: this.severity,
      value: this.value,
      threshold: this.threshold,
      state: this.state,
    };
  }
}

/** An alert rule started firing: its breach held for its `for` duration. */
export class AlertFiredEvent extends AlertNotificationEvent {
  static readonly eventName = 'alert.fired';
  readonly name = AlertFiredEvent.eventName;
}

/** A firing alert rule resolved: recovered for its `for` duration, or by hand. */
export class AlertResolvedEvent extends AlertNotificationEvent {
  static readonly eventName = 'alert.resolved';
  readonly name = AlertResolvedEvent.eventName;
}
