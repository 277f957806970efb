import { type BeforeApplicationShutdown, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Types } from 'mongoose';
import { DomainEvent } from '../../common/events/domain-event';
import { FunctionFailedEvent, FunctionInvokedEvent } from '../../functions/events/function-lifecycle.event';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { ActivityService } from './activity.service';

/**
 * Events that are telemetry, not activity: one per function invocation, as many as a function is
 * called. Function metrics and logs cover them; in the feed they would bury every change.
 */
const NOT_ACTIVITY: ReadonlySet<string> = new Set([FunctionInvokedEvent.eventName, FunctionFailedEvent.eventName]);

/**
 * The one writer of the activity feed: every domain event of a project, from any feature, becomes
 * an entry, with no code in the feature that announced it. Writing is not awaited by the event's
 * publication; the entries of a project are written one after another in the order their events
 * were announced in this process (each takes its id when announced), so the feed and its
 * subscribers see them in that order.
 */
@Injectable()
export class ActivityListener implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ActivityListener.name);
  /** Per project, the last write queued: the next one starts when it is done. */
  private readonly queues = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly activity: ActivityService,
  ) {}

  onModuleInit(): void {
    this.emitter.onAny((_name: string | string[], event: unknown) => {
      if (!(event instanceof DomainEvent) || !event.projectId || NOT_ACTIVITY.has(event.name)) return;
      const projectId = event.projectId;
      if (event.name === ProjectDeletedEvent.eventName) {
        this.enqueue(projectId, event.name, () => this.activity.forgetProject(projectId));
        return;
      }
      const id = new Types.ObjectId();
      this.enqueue(projectId, event.name, async () => {
        await this.activity.record(id, event);
      });
    });
  }

  /** Lets the entries already queued be written before MongoDB closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.queues.values()]);
  }

  private enqueue(projectId: string, name: string, write: () => Promise<void>): void {
    const previous = this.queues.get(projectId) ?? Promise.resolve();
    const next = previous.then(write).catch((error: Error) => {
      if (!this.stopping) this.logger.error(`Recording ${name} in the activity feed failed: ${error.message}`);
    });
    this.queues.set(projectId, next);
    void next.then(() => {
      if (this.queues.get(projectId) === next) this.queues.delete(projectId);
    });
  }
}
