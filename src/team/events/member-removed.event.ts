import { DomainEvent } from '../../common/events/domain-event';

/** `removed`: someone took the member out; `left`: the member left by themself. */
export type MemberRemovalReason = 'removed' | 'left';

/** A user stopped being a member of a project: every role and direct grant of theirs there is gone. */
export class MemberRemovedEvent extends DomainEvent {
  static readonly eventName = 'member.removed';
  readonly name = MemberRemovedEvent.eventName;

  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly userId: string,
    readonly email: string | null,
    readonly roleIds: string[],
    readonly reason: MemberRemovalReason,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return { userId: this.userId, email: this.email, roleIds: this.roleIds, reason: this.reason };
  }
}
