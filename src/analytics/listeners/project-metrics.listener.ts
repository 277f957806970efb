import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { MetricsRetentionService } from '../metrics-retention.service';

/** A deleted project's series, buckets and points go with it. */
@Injectable()
export class ProjectMetricsListener {
  constructor(private readonly retention: MetricsRetentionService) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  async handle(event: ProjectDeletedEvent): Promise<void> {
    if (event.projectId) await this.retention.forgetProject(event.projectId);
  }
}
