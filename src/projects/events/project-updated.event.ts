import { DomainEvent } from '../../common/events/domain-event';

export class ProjectUpdatedEvent extends DomainEvent {
  static readonly eventName = 'project.updated';
  readonly name = ProjectUpdatedEvent.eventName;

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
