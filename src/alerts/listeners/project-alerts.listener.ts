import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { AlertsService } from '../alerts.service';

/** A deleted project's alert rules and their history go with it. */
@Injectable()
export class ProjectAlertsListener {
  constructor(private readonly alerts: AlertsService) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  async handle(event: ProjectDeletedEvent): Promise<void> {
    if (event.projectId) await this.alerts.forgetProject(event.projectId);
  }
}
