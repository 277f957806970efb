import { DomainEvent } from '../../common/events/domain-event';

export class ProjectDeletedEvent extends DomainEvent {
  static readonly eventName = 'project.deleted';
  readonly name = ProjectDeletedEvent.eventName;

  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly projectName: string,
    readonly slug: string,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return { name: this.projectName, slug: this.slug };
  }
}
