import { DomainEvent } from '../../../common/events/domain-event';

/**
 * A project's security settings changed. Subscribers learn what changed and how many entries the
 * allowlist holds, not the addresses: every member of the project sees its events.
 */
export class SecurityUpdatedEvent extends DomainEvent {
  static readonly eventName = 'security.updated';
  readonly name = SecurityUpdatedEvent.eventName;

  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly changed: readonly string[],
    readonly ipAllowlistEntries: number,
    readonly rateLimitPerMinute: number | null,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return {
      changed: [...this.changed],
      ipAllowlistEntries: this.ipAllowlistEntries,
      rateLimitPerMinute: this.rateLimitPerMinute,
    };
  }
}
