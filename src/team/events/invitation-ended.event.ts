import { DomainEvent } from '../../common/events/domain-event';

/** A pending invitation that ended without being answered: revoked by a member, or expired. */
abstract class InvitationEndedEvent extends DomainEvent {
  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly invitationId: string,
    readonly email: string,
    readonly roleId: string,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return { invitationId: this.invitationId, email: this.email, roleId: this.roleId };
  }
}

export class InvitationRevokedEvent extends InvitationEndedEvent {
  static readonly eventName = 'invitation.revoked';
  readonly name = InvitationRevokedEvent.eventName;
}

export class InvitationExpiredEvent extends InvitationEndedEvent {
  static readonly eventName = 'invitation.expired';
  readonly name = InvitationExpiredEvent.eventName;
}
