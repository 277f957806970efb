import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { EnvVarsService } from './env-vars.service';

/** A deleted project's variables go with it. */
@Injectable()
export class EnvVarsListener {
  constructor(private readonly vars: EnvVarsService) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  async handle(event: ProjectDeletedEvent): Promise<void> {
    if (event.projectId) await this.vars.forgetProject(event.projectId);
  }
}
