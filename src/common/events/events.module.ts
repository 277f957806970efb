import { Global, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { EventBus } from './event-bus';
import { EventOutbox } from './event-outbox';

@Global()
@Module({
  imports: [EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: false })],
  providers: [EventBus, EventOutbox],
  exports: [EventBus, EventOutbox],
})
export class EventsModule {}
