import { DomainEvent } from '../../common/events/domain-event';
import type { BuildStatus } from '../build.schema';

/** Base of build.queued / started / succeeded / failed: what a subscriber needs to show the build. */
export abstract class BuildLifecycleEvent extends DomainEvent {
  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly buildId: string,
    readonly branch: string,
    readonly status: BuildStatus,
    readonly error: string | null = null,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return {
      buildId: this.buildId,
      branch: this.branch,
      status: this.status,
      ...(this.error ? { error: this.error } : {}),
    };
  }
}

export class BuildQueuedEvent extends BuildLifecycleEvent {
  static readonly eventName = 'build.queued';
  readonly name = BuildQueuedEvent.eventName;
}

export class BuildStartedEvent extends BuildLifecycleEvent {
  static readonly eventName = 'build.started';
  readonly name = BuildStartedEvent.eventName;
}

export class BuildSucceededEvent extends BuildLifecycleEvent {
  static readonly eventName = 'build.succeeded';
  readonly name = BuildSucceededEvent.eventName;
}

export class BuildFailedEvent extends BuildLifecycleEvent {
  static readonly eventName = 'build.failed';
  readonly name = BuildFailedEvent.eventName;
}

export class BuildCanceledEvent extends BuildLifecycleEvent {
  static readonly eventName = 'build.canceled';
  readonly name = BuildCanceledEvent.eventName;
}
