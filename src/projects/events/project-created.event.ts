import { ProjectLifecycleEvent } from './project-lifecycle.event';

export class ProjectCreatedEvent extends ProjectLifecycleEvent {
  static readonly eventName = 'project.created';
  readonly name = ProjectCreatedEvent.eventName;
}
