import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { AccessMaintenanceService } from '../access-maintenance.service';

/** A deleted project takes its roles, assignments and grants with it. */
@Injectable()
export class ProjectDeletedListener {
  constructor(private readonly maintenance: AccessMaintenanceService) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  async handle(event: ProjectDeletedEvent): Promise<void> {
    if (event.projectId) await this.maintenance.forgetProject(event.projectId);
  }
}
