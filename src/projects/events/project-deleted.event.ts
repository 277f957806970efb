import { ProjectLifecycleEvent } from './project-lifecycle.event';

export class ProjectDeletedEvent extends ProjectLifecycleEvent {
  static readonly eventName = 'project.deleted';
  readonly name = ProjectDeletedEvent.eventName;
}
