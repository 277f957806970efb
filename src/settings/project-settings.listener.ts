import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProjectDeletedEvent } from '../projects/events/project-deleted.event';
import { ProjectSettingsService } from './project-settings.service';

/** A deleted project's settings go with it. */
@Injectable()
export class ProjectSettingsListener {
  constructor(private readonly settings: ProjectSettingsService) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  async handle(event: ProjectDeletedEvent): Promise<void> {
    if (event.projectId) await this.settings.forget(event.projectId);
  }
}
