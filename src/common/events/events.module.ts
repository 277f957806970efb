import { Global, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { EventBus } from './event-bus';
import { EventOutbox } from './event-outbox';

/**
 * Listeners one event may have before the emitter warns of a leak. Every feature that keeps data
 * of a project listens to `project.deleted`, so the count grows with the features; past the
 * emitter's default of 10, its warning itself throws (an eventemitter2 defect) and the listener
 * is not added.
 */
const MAX_LISTENERS_PER_EVENT = 100;

@Global()
@Module({
  imports: [
    EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: false, maxListeners: MAX_LISTENERS_PER_EVENT }),
  ],
  providers: [EventBus, EventOutbox],
  exports: [EventBus, EventOutbox],
})
export class EventsModule {}
