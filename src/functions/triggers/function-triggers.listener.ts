import { type BeforeApplicationShutdown, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { DomainEvent } from '../../common/events/domain-event';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import {
  FunctionCreatedEvent,
  FunctionDeletedEvent,
  FunctionFailedEvent,
  FunctionInvokedEvent,
  FunctionUpdatedEvent,
  type FunctionChangeEvent,
} from '../events/function-lifecycle.event';
import { InvocationTrigger } from '../function-invocation.schema';
import { FunctionInvokerService } from '../function-invoker.service';
import { matchesEventPattern } from '../../common/events/event-pattern';
import { FunctionsService } from '../functions.service';
import { FunctionSchedulesService } from './function-schedules.service';

/** Events that never invoke a function: a function's own invocations would invoke it again. */
const NEVER_TRIGGERING: ReadonlySet<string> = new Set([FunctionInvokedEvent.eventName, FunctionFailedEvent.eventName]);

/**
 * Wires functions to the rest of the platform: any project event invokes the functions listening
 * to it (queued, one invocation per function per event, in the process where the event happened),
 * a function's changes remake its cron jobs, and a deleted project's functions go with it.
 */
@Injectable()
export class FunctionTriggersListener implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(FunctionTriggersListener.name);
  /** Set once the process is stopping: events from then on (its own shutdown's) invoke nothing. */
  private stopping = false;

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly functions: FunctionsService,
    private readonly invoker: FunctionInvokerService,
    private readonly schedules: FunctionSchedulesService,
  ) {}

  onModuleInit(): void {
    this.emitter.onAny((name: string | string[], event: unknown) => {
      if (this.stopping || typeof name !== 'string' || NEVER_TRIGGERING.has(name)) return;
      if (!(event instanceof DomainEvent) || !event.projectId) return;
      // Not awaited: the event's publication (EventBus waits for its listeners) is not held up
      // by looking for the functions it triggers.
      void this.dispatch(name, event).catch((error: Error) => {
        // An event of the last moments before a stop finds the database already closing.
        if (this.stopping) return;
        this.logger.error(`Invoking the functions listening to ${name} failed: ${error.message}`);
      });
    });
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  @OnEvent(FunctionCreatedEvent.eventName)
  @OnEvent(FunctionUpdatedEvent.eventName)
  @OnEvent(FunctionDeletedEvent.eventName)
  async changed(event: FunctionChangeEvent): Promise<void> {
    await this.schedules.sync(event.functionId);
  }

  @OnEvent(ProjectDeletedEvent.eventName)
  async projectDeleted(event: ProjectDeletedEvent): Promise<void> {
    if (!event.projectId) return;
    const gone = await this.functions.forgetProject(event.projectId);
    for (const functionId of gone) {
      await this.invoker.forgetFunction(functionId);
      await this.schedules.sync(functionId);
    }
  }

  private async dispatch(name: string, event: DomainEvent): Promise<void> {
    const listening = await this.functions.listening(event.projectId!);
    const matching = listening.filter((record) =>
      record.eventTriggers.some((pattern) => matchesEventPattern(pattern, name)),
    );
    if (matching.length === 0) return;
    const payloadJson = JSON.stringify({
      name,
      projectId: event.projectId,
      actorId: event.actorId ?? null,
      occurredAt: event.occurredAt,
      payload: event.payload(),
    });
    for (const record of matching) {
      if (record.activeVersionId)
        await this.invoker.enqueue(record, payloadJson, InvocationTrigger.EVENT, event.actorId);
    }
  }
}
