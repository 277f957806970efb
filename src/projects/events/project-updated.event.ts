import { ProjectLifecycleEvent } from './project-lifecycle.event';

export class ProjectUpdatedEvent extends ProjectLifecycleEvent {
  static readonly eventName = 'project.updated';
  readonly name = ProjectUpdatedEvent.eventName;
}
