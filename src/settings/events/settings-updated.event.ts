import { DomainEvent } from '../../common/events/domain-event';

/**
 * A group of a project's settings changed: which group (as `projectSettings` names it:
 * `deployment`, `limits`, …) and which of its fields. Values are left out, so a group holding
 * secrets can announce its changes the same way.
 */
export class SettingsUpdatedEvent extends DomainEvent {
  static readonly eventName = 'settings.updated';
  readonly name = SettingsUpdatedEvent.eventName;

  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly group: string,
    readonly fields: string[],
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return { group: this.group, fields: this.fields };
  }
}
