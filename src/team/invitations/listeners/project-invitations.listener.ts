import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProjectDeletedEvent } from '../../../projects/events/project-deleted.event';
import { InvitationsService } from '../invitations.service';

/** A deleted project's invitations go with it. */
@Injectable()
export class ProjectInvitationsListener {
  constructor(private readonly invitations: InvitationsService) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  async handle(event: ProjectDeletedEvent): Promise<void> {
    if (event.projectId) await this.invitations.forgetProject(event.projectId);
  }
}
