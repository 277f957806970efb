import { DomainEvent } from '../../common/events/domain-event';

/** An invited user accepted and now holds the offered role. */
export class MemberJoinedEvent extends DomainEvent {
  static readonly eventName = 'member.joined';
  readonly name = MemberJoinedEvent.eventName;

  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly userId: string,
    readonly email: string,
    readonly roleId: string,
    readonly invitationId: string,
    readonly invitedBy: string,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return {
      userId: this.userId,
      email: this.email,
      roleId: this.roleId,
      invitationId: this.invitationId,
      invitedBy: this.invitedBy,
    };
  }
}
