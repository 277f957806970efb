import { DomainEvent } from '../../common/events/domain-event';

/** Base of the token.* events of a project's tokens: which token, whose. Never its secret. */
export abstract class ApiTokenLifecycleEvent extends DomainEvent {
  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly tokenId: string,
    readonly tokenName: string,
    readonly ownerId: string,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return { tokenId: this.tokenId, name: this.tokenName, ownerId: this.ownerId };
  }
}

export class ApiTokenCreatedEvent extends ApiTokenLifecycleEvent {
  static readonly eventName = 'token.created';
  readonly name = ApiTokenCreatedEvent.eventName;
}

export class ApiTokenRevokedEvent extends ApiTokenLifecycleEvent {
  static readonly eventName = 'token.revoked';
  readonly name = ApiTokenRevokedEvent.eventName;
}

/** A new secret was issued; the previous one works until `previousValidUntil`. */
export class ApiTokenRotatedEvent extends ApiTokenLifecycleEvent {
  static readonly eventName = 'token.rotated';
  readonly name = ApiTokenRotatedEvent.eventName;

  constructor(
    projectId: string,
    actorId: string | undefined,
    tokenId: string,
    tokenName: string,
    ownerId: string,
    readonly previousValidUntil: string,
  ) {
    super(projectId, actorId, tokenId, tokenName, ownerId);
  }

  override payload(): Record<string, unknown> {
    return { ...super.payload(), previousValidUntil: this.previousValidUntil };
  }
}
