import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { DomainsService } from '../domains.service';

/** A deleted project's domains go with it, and their hostnames are free for others. */
@Injectable()
export class ProjectDomainsListener {
  constructor(private readonly domains: DomainsService) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  async handle(event: ProjectDeletedEvent): Promise<void> {
    if (event.projectId) await this.domains.forgetProject(event.projectId);
  }
}
