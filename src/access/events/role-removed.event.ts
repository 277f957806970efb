import { DomainEvent } from '../../common/events/domain-event';

export type RoleRemovalReason = 'removed' | 'expired' | 'role_deleted';

export class RoleRemovedEvent extends DomainEvent {
  static readonly eventName = 'role.removed';
  readonly name = RoleRemovedEvent.eventName;

  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly userId: string,
    readonly roleId: string,
    readonly reason: RoleRemovalReason,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return { userId: this.userId, roleId: this.roleId, reason: this.reason };
  }
}
