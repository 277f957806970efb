import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { ApiTokensService } from '../api-tokens.service';

/** A deleted project's tokens are revoked, so they cannot act should the id ever be seen again. */
@Injectable()
export class ProjectTokensListener {
  constructor(private readonly tokens: ApiTokensService) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  async handle(event: ProjectDeletedEvent): Promise<void> {
    if (event.projectId) await this.tokens.revokeProjectTokens(event.projectId);
  }
}
