import type { Types } from 'mongoose';
import {
  FunctionDeployedEvent,
  FunctionFailedEvent,
  FunctionInvokedEvent,
} from '../../functions/events/function-lifecycle.event';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { ProjectUpdatedEvent } from '../../projects/events/project-updated.event';
import type { DomainEvent } from '../../common/events/domain-event';
import type { ActivityMessage } from './models/activity-entry.model';
import type { ActivityService } from './activity.service';
import { ActivityWriterService } from './activity-writer.service';

const PROJECT = '65a000000000000000000001';
const OTHER = '65a000000000000000000003';
const FUNCTION = '65a000000000000000000002';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}
const deferred = (): Deferred => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/**
 * An ActivityService standing in for MongoDB and the PubSub: it logs each step, can hold a write
 * until released, and can fail the next writes.
 */
class FakeActivity {
  readonly steps: string[] = [];
  readonly stored = new Map<string, string>();
  failNext = 0;
  hold: Promise<void> | undefined;

  async store(id: Types.ObjectId, event: DomainEvent): Promise<ActivityMessage> {
    const label = `${event.name}:${(event.payload() as { name?: string }).name ?? ''}`;
    this.steps.push(`store ${label}`);
    const hold = this.hold;
    this.hold = undefined;
    if (hold) await hold;
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('connection reset');
    }
    this.stored.set(id.toHexString(), label);
    this.steps.push(`stored ${label}`);
    return { id: id.toHexString(), projectId: event.projectId, event: label } as ActivityMessage;
  }

  announce(message: ActivityMessage): Promise<void> {
    this.steps.push(`announced ${message.event}`);
    return Promise.resolve();
  }

  forgetProject(projectId: string): Promise<void> {
    this.steps.push(`forgot ${projectId}`);
    return Promise.resolve();
  }
}

const updated = (name: string, projectId = PROJECT) => new ProjectUpdatedEvent(projectId, 'user-1', name, 'slug');

describe('ActivityWriterService', () => {
  let activity: FakeActivity;
  let writer: ActivityWriterService;

  beforeEach(() => {
    activity = new FakeActivity();
    writer = new ActivityWriterService(activity as unknown as ActivityService);
  });

  it('records changes but not function invocations, which are telemetry', async () => {
    const invocation = (Event: typeof FunctionInvokedEvent | typeof FunctionFailedEvent) =>
      new Event(PROJECT, undefined, FUNCTION, 'hello', 'inv-1', 'SUCCEEDED', 'HTTP', 3, false, null);

    await writer.record(invocation(FunctionInvokedEvent));
    await writer.record(invocation(FunctionFailedEvent));
    await writer.record(new FunctionDeployedEvent(PROJECT, 'user-1', FUNCTION, 'hello', 'v1', 1, false));

    expect([...activity.stored.values()]).toEqual(['function.deployed:hello']);
  });

  it('resolves only once the entry is stored and announced', async () => {
    const release = deferred();
    activity.hold = release.promise;
    let done = false;
    const recording = writer.record(updated('A')).then(() => (done = true));

    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    expect(activity.stored.size).toBe(0);
    release.resolve();
    await recording;

    expect(activity.steps).toEqual([
      'store project.updated:A',
      'stored project.updated:A',
      'announced project.updated:A',
    ]);
  });

  it('tries a failed write again, with the same id, so the entry is not lost', async () => {
    activity.failNext = 1;

    await writer.record(updated('A'));

    expect([...activity.stored.values()]).toEqual(['project.updated:A']);
    expect(activity.steps.filter((step) => step.startsWith('store '))).toHaveLength(2);
    expect(activity.steps.at(-1)).toBe('announced project.updated:A');
  });

  it('tells the publisher when the write keeps failing', async () => {
    activity.failNext = 10;

    await expect(writer.record(updated('A'))).rejects.toThrow('connection reset');
    // The project's next entries are not held up by the failed one.
    activity.failNext = 0;
    await writer.record(updated('B'));
    expect([...activity.stored.values()]).toEqual(['project.updated:B']);
  });

  it('keeps a project’s entries in the order they were published, other projects not waiting', async () => {
    const release = deferred();
    activity.hold = release.promise;
    const first = writer.record(updated('A'));
    const second = writer.record(updated('B'));
    await writer.record(updated('C', OTHER));

    expect([...activity.stored.values()]).toEqual(['project.updated:C']);
    release.resolve();
    await Promise.all([first, second]);
    expect(activity.steps.filter((step) => step.startsWith('announced'))).toEqual([
      'announced project.updated:C',
      'announced project.updated:A',
      'announced project.updated:B',
    ]);
  });

  it('forgets a deleted project’s feed after the entries published before the deletion', async () => {
    const release = deferred();
    activity.hold = release.promise;
    const entry = writer.record(updated('A'));
    const deletion = writer.record(new ProjectDeletedEvent(PROJECT, 'user-1', 'A', 'slug'));
    release.resolve();
    await Promise.all([entry, deletion]);

    expect(activity.steps).toEqual([
      'store project.updated:A',
      'stored project.updated:A',
      'announced project.updated:A',
      `forgot ${PROJECT}`,
    ]);
  });

  it('does not fail a stopping process loudly, after letting the writes under way finish', async () => {
    const release = deferred();
    activity.hold = release.promise;
    const underWay = writer.record(updated('A'));
    const stopped = writer.beforeApplicationShutdown();
    release.resolve();
    await Promise.all([underWay, stopped]);
    expect([...activity.stored.values()]).toEqual(['project.updated:A']);

    activity.failNext = 1;
    await expect(writer.record(updated('B'))).resolves.toBeUndefined();
  });
});
