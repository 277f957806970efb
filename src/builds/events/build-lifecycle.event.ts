import { DomainEvent } from '../../common/events/domain-event';
import type { BuildRecord, BuildStatus } from '../build.schema';

/** When a build was queued, started and finished (ISO 8601), as its record says. */
export interface BuildTiming {
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export function buildTiming(record: Pick<BuildRecord, 'queuedAt' | 'startedAt' | 'finishedAt'>): BuildTiming {
  return {
    queuedAt: record.queuedAt.toISOString(),
    startedAt: record.startedAt?.toISOString() ?? null,
    finishedAt: record.finishedAt?.toISOString() ?? null,
  };
}

/** Base of build.queued / started / succeeded / failed: what a subscriber needs to show the build. */
export abstract class BuildLifecycleEvent extends DomainEvent {
  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly buildId: string,
    readonly branch: string,
    readonly status: BuildStatus,
    readonly error: string | null = null,
    /** The record's times, for the platform's own figures (queue wait, duration); not in the payload. */
    readonly timing: BuildTiming | null = null,
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
