import { DomainEvent } from '../../common/events/domain-event';

/** Someone was invited to the project by email. Never carries the invitation's token. */
export class MemberInvitedEvent extends DomainEvent {
  static readonly eventName = 'member.invited';
  readonly name = MemberInvitedEvent.eventName;

  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly invitationId: string,
    readonly email: string,
    readonly roleId: string,
    readonly invitedBy: string,
    readonly expiresAt: string,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return {
      invitationId: this.invitationId,
      email: this.email,
      roleId: this.roleId,
      invitedBy: this.invitedBy,
      expiresAt: this.expiresAt,
    };
  }
}
