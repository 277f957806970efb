import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Types } from 'mongoose';
import type { DomainEvent } from '../../common/events/domain-event';
import type { DurableEventSink } from '../../common/events/event-outbox';
import { FunctionFailedEvent, FunctionInvokedEvent } from '../../functions/events/function-lifecycle.event';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { ActivityService } from './activity.service';

/**
 * Events that are telemetry, not activity: one per function invocation, as many as a function is
 * called. Function metrics and logs cover them; in the feed they would bury every change.
 */
export const NOT_ACTIVITY: ReadonlySet<string> = new Set([
  FunctionInvokedEvent.eventName,
  FunctionFailedEvent.eventName,
]);

/** The pauses before the second and third tries of an entry's write. */
export const ACTIVITY_WRITE_RETRY_MS: readonly number[] = [100, 500];

/**
 * The one writer of the activity feed: every domain event of a project, from any feature, becomes
 * an entry, with no code in the feature that announced it. As a durable sink of the `EventBus`, it
 * stores the entry before the event is announced, awaited by the code that made the change (a
 * failed write is tried again). The entries of a project are written one after another in the
 * order their events were published in this process (each takes its id then), and each is
 * published to `activityAdded` once stored, so the feed and its subscribers see them in that order.
 */
@Injectable()
export class ActivityWriterService implements DurableEventSink, BeforeApplicationShutdown {
  private readonly logger = new Logger(ActivityWriterService.name);
  /** Per project, the last write queued: the next one starts when it is done. */
  private readonly queues = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(private readonly activity: ActivityService) {}

  /** Lets the writes under way finish before MongoDB closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.queues.values()]);
    this.stopping = true;
  }

  async record(event: DomainEvent): Promise<void> {
    const projectId = event.projectId;
    if (!projectId || NOT_ACTIVITY.has(event.name)) return;
    try {
      if (event.name === ProjectDeletedEvent.eventName) {
        // A deleted project's feed goes with it, after the entries queued before the deletion.
        await this.enqueue(projectId, () => this.activity.forgetProject(projectId));
        return;
      }
      const id = new Types.ObjectId();
      await this.enqueue(projectId, async () => {
        const entry = await this.store(id, event);
        await this.activity.announce(entry).catch((error: Error) => {
          // Stored: the feed has it; only the live stream missed it.
          if (!this.stopping) this.logger.warn(`Could not stream ${event.name} to activityAdded: ${error.message}`);
        });
      });
    } catch (error) {
      // A job still running as the process stops (past its grace) may announce a change after the
      // database connection closed: nothing can store it now, and it is not the platform failing.
      if (!this.stopping) throw error;
      this.logger.warn(
        `Could not record ${event.name} in the activity feed while stopping: ${(error as Error).message}`,
      );
    }
  }

  /** Stores the entry, trying again after a failure (the id makes a retry of a write that landed harmless). */
  private async store(id: Types.ObjectId, event: DomainEvent): Promise<Awaited<ReturnType<ActivityService['store']>>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.activity.store(id, event);
      } catch (error) {
        const pause = ACTIVITY_WRITE_RETRY_MS[attempt];
        if (pause === undefined || this.stopping) throw error;
        this.logger.warn(
          `Recording ${event.name} in the activity feed failed, trying again: ${(error as Error).message}`,
        );
        await sleep(pause);
      }
    }
  }

  /** Runs `write` after the project's writes queued before it; resolves or rejects with it. */
  private enqueue(projectId: string, write: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(projectId) ?? Promise.resolve();
    const result = previous.then(write);
    const next = result.catch(() => undefined);
    this.queues.set(projectId, next);
    void next.then(() => {
      if (this.queues.get(projectId) === next) this.queues.delete(projectId);
    });
    return result;
  }
}
