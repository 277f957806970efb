import { DomainEvent } from '../../../common/events/domain-event';

/** `env.updated`: which variables changed and the project's new variables version; never a value. */
export class EnvVarsChangedEvent extends DomainEvent {
  static readonly eventName = 'env.updated';
  readonly name = EnvVarsChangedEvent.eventName;

  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly version: number,
    readonly change: 'set' | 'deleted' | 'imported',
    readonly keys: string[],
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return { version: this.version, change: this.change, keys: this.keys };
  }
}
