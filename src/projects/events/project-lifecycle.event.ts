import { DomainEvent } from '../../common/events/domain-event';

/** Base of project.created / updated / deleted: what a subscriber needs to show the project. */
export abstract class ProjectLifecycleEvent extends DomainEvent {
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
