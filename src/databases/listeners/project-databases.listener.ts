import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { DatabasesService } from '../databases.service';

/** A deleted project's databases go with it: each is dropped from its server, with its user. */
@Injectable()
export class ProjectDatabasesListener {
  constructor(private readonly databases: DatabasesService) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  async handle(event: ProjectDeletedEvent): Promise<void> {
    if (event.projectId) await this.databases.forgetProject(event.projectId);
  }
}
