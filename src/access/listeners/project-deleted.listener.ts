import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { AccessService } from '../access.service';

/** A deleted project takes its roles, assignments and grants with it. */
@Injectable()
export class ProjectDeletedListener {
  constructor(private readonly access: AccessService) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  async handle(event: ProjectDeletedEvent): Promise<void> {
    if (event.projectId) await this.access.forgetProject(event.projectId);
  }
}
