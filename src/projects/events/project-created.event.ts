import { DomainEvent } from '../../common/events/domain-event';

export class ProjectCreatedEvent extends DomainEvent {
  static readonly eventName = 'project.created';
  readonly name = ProjectCreatedEvent.eventName;

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
