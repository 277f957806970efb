import { DomainEvent } from '../../common/events/domain-event';

/** A member's roles were replaced by one (`updateMemberRole`, or either side of `transferOwnership`). */
export class MemberRoleChangedEvent extends DomainEvent {
  static readonly eventName = 'member.role_changed';
  readonly name = MemberRoleChangedEvent.eventName;

  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly userId: string,
    readonly email: string | null,
    readonly roleId: string,
    readonly previousRoleIds: string[],
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return { userId: this.userId, email: this.email, roleId: this.roleId, previousRoleIds: this.previousRoleIds };
  }
}
