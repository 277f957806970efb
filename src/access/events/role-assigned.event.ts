import { DomainEvent } from '../../common/events/domain-event';

export class RoleAssignedEvent extends DomainEvent {
  static readonly eventName = 'role.assigned';
  readonly name = RoleAssignedEvent.eventName;

  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly userId: string,
    readonly roleId: string,
    readonly expiresAt: string | null,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return { userId: this.userId, roleId: this.roleId, expiresAt: this.expiresAt };
  }
}
