import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { BuildCacheService } from './build-cache.service';

/** A deleted project's build cache is of no use to anyone: its disk space is given back. */
@Injectable()
export class BuildCacheListener {
  constructor(private readonly cache: BuildCacheService) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  async handle(event: ProjectDeletedEvent): Promise<void> {
    if (event.projectId) await this.cache.clear(event.projectId);
  }
}
