import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProjectDeletedEvent } from '../../../projects/events/project-deleted.event';
import { SecurityService } from '../security.service';

/** A deleted project takes its security settings with it. */
@Injectable()
export class SecurityCleanupListener {
  constructor(private readonly security: SecurityService) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  async handle(event: ProjectDeletedEvent): Promise<void> {
    if (event.projectId) await this.security.forgetProject(event.projectId);
  }
}
