import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { WebhooksService } from '../webhooks.service';

/** A deleted project's webhooks, deliveries and recorded events go with it. */
@Injectable()
export class ProjectWebhooksListener {
  constructor(private readonly webhooks: WebhooksService) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  async handle(event: ProjectDeletedEvent): Promise<void> {
    if (event.projectId) await this.webhooks.forgetProject(event.projectId);
  }
}
