import { DomainEvent } from '../../common/events/domain-event';
import type { DomainCheckFailure, DomainStatus } from '../domain.schema';

/** Base of the domain.* events: which domain, and where it stands. */
export abstract class DomainLifecycleEvent extends DomainEvent {
  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly domainId: string,
    readonly hostname: string,
    readonly status: DomainStatus,
    readonly failureCode: DomainCheckFailure | null = null,
    readonly failureReason: string | null = null,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return {
      domainId: this.domainId,
      hostname: this.hostname,
      status: this.status,
      ...(this.failureCode ? { failureCode: this.failureCode, failureReason: this.failureReason } : {}),
    };
  }
}

export class DomainAddedEvent extends DomainLifecycleEvent {
  static readonly eventName = 'domain.added';
  readonly name = DomainAddedEvent.eventName;
}

/** The domain became VERIFIED: it serves the project from now on. */
export class DomainVerifiedEvent extends DomainLifecycleEvent {
  static readonly eventName = 'domain.verified';
  readonly name = DomainVerifiedEvent.eventName;
}

/** The domain became FAILED, or failed for another reason than before. */
export class DomainFailedEvent extends DomainLifecycleEvent {
  static readonly eventName = 'domain.failed';
  readonly name = DomainFailedEvent.eventName;
}

export class DomainRemovedEvent extends DomainLifecycleEvent {
  static readonly eventName = 'domain.removed';
  readonly name = DomainRemovedEvent.eventName;
}

/** The project's primary domain, which its other verified domains redirect to, changed. */
export class DomainPrimaryChangedEvent extends DomainLifecycleEvent {
  static readonly eventName = 'domain.primary_changed';
  readonly name = DomainPrimaryChangedEvent.eventName;

  constructor(
    projectId: string,
    actorId: string | undefined,
    domainId: string,
    hostname: string,
    status: DomainStatus,
    readonly previousDomainId: string | null,
  ) {
    super(projectId, actorId, domainId, hostname, status);
  }

  override payload(): Record<string, unknown> {
    return { ...super.payload(), previousDomainId: this.previousDomainId };
  }
}
