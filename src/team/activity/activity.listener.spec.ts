import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  FunctionFailedEvent,
  FunctionInvokedEvent,
  FunctionDeployedEvent,
} from '../../functions/events/function-lifecycle.event';
import type { ActivityService } from './activity.service';
import { ActivityListener } from './activity.listener';

const PROJECT = '65a000000000000000000001';
const FUNCTION = '65a000000000000000000002';

describe('ActivityListener', () => {
  it('records changes but not function invocations, which are telemetry', async () => {
    const emitter = new EventEmitter2({ wildcard: true });
    const recorded: string[] = [];
    const activity = {
      record: (_id: unknown, event: { name: string }) => {
        recorded.push(event.name);
        return Promise.resolve();
      },
    } as unknown as ActivityService;
    const listener = new ActivityListener(emitter, activity);
    listener.onModuleInit();

    const invocation = (Event: typeof FunctionInvokedEvent | typeof FunctionFailedEvent) =>
      new Event(PROJECT, undefined, FUNCTION, 'hello', 'inv-1', 'SUCCEEDED', 'HTTP', 3, false, null);
    emitter.emit(FunctionInvokedEvent.eventName, invocation(FunctionInvokedEvent));
    emitter.emit(FunctionFailedEvent.eventName, invocation(FunctionFailedEvent));
    const deployed = new FunctionDeployedEvent(PROJECT, 'user-1', FUNCTION, 'hello', 'v1', 1, false);
    emitter.emit(deployed.name, deployed);
    await listener.beforeApplicationShutdown();

    expect(recorded).toEqual(['function.deployed']);
  });
});
