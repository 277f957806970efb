import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { PubSubEngine } from 'graphql-subscriptions';
import { PUB_SUB } from '../pubsub/pubsub.token';
import type { DomainEvent } from './domain-event';
import { EventOutbox } from './event-outbox';

/** The PubSub trigger for a project's event stream. */
export const projectEventsTrigger = (projectId: string): string => `project:${projectId}`;

/** What a subscriber receives for a project event. */
export interface ProjectEventMessage {
  name: string;
  projectId: string;
  actorId: string | null;
  occurredAt: string;
  payload: Record<string, unknown>;
}

/**
 * Publishes domain events: first to the durable sinks of `EventOutbox` (what must survive the
 * process), then in-process (listeners use `@OnEvent(ProjectCreatedEvent.eventName)`) and, for
 * project-scoped events, to every API process through the PubSub.
 */
@Injectable()
export class EventBus {
  private readonly logger = new Logger(EventBus.name);

  constructor(
    private readonly emitter: EventEmitter2,
    @Inject(PUB_SUB) private readonly pubSub: PubSubEngine,
    private readonly outbox: EventOutbox,
  ) {}

  async publish(event: DomainEvent): Promise<void> {
    try {
      await this.outbox.record(event);
    } catch (error) {
      // The change is made and cannot be taken back; what else hears of it still must.
      this.logger.error(`Could not record ${event.name} durably: ${(error as Error).message}`);
    }
    try {
      await this.emitter.emitAsync(event.name, event);
    } catch (error) {
      // A failing listener is its own bug; the fact already happened and must still go out.
      this.logger.error(`A listener of ${event.name} failed: ${(error as Error).message}`);
    }
    if (event.projectId) {
      const message: ProjectEventMessage = {
        name: event.name,
        projectId: event.projectId,
        actorId: event.actorId ?? null,
        occurredAt: event.occurredAt,
        payload: event.payload(),
      };
      try {
        await this.pubSub.publish(projectEventsTrigger(event.projectId), message);
      } catch (error) {
        this.logger.error(`Could not publish ${event.name} to subscribers: ${(error as Error).message}`);
      }
    }
  }
}
