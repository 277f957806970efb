import { Injectable } from '@nestjs/common';
import type { DomainEvent } from './domain-event';

/**
 * Something that keeps events durably before they are announced: a feature that must never miss
 * one (webhooks) stores the events it will deliver, so that a process dying right after the change
 * still leaves them behind to be sent. `record` is awaited by `EventBus.publish`, by the code that
 * made the change, before any listener or subscriber hears of the event.
 */
export interface DurableEventSink {
  /** Stores the event if the sink wants it; cheap (no write) when it does not. */
  record(event: DomainEvent): Promise<void>;
}

/**
 * The durable sinks features registered from their `onModuleInit`, so that `common/` knows no
 * feature (as with `OperationPolicies` and `ResourceLocator`).
 */
@Injectable()
export class EventOutbox {
  private readonly sinks: DurableEventSink[] = [];

  register(sink: DurableEventSink): void {
    this.sinks.push(sink);
  }

  /** Hands the event to every sink in turn; the first failure is raised once all have had it. */
  async record(event: DomainEvent): Promise<void> {
    let failure: unknown;
    for (const sink of this.sinks) {
      try {
        await sink.record(event);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }
}
