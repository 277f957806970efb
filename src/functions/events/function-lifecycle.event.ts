import { DomainEvent } from '../../common/events/domain-event';

/** function.created / updated / deleted / toggled: a function's settings changed. */
export abstract class FunctionChangeEvent extends DomainEvent {
  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly functionId: string,
    readonly functionName: string,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return { functionId: this.functionId, name: this.functionName };
  }
}

export class FunctionCreatedEvent extends FunctionChangeEvent {
  static readonly eventName = 'function.created';
  readonly name = FunctionCreatedEvent.eventName;
}

export class FunctionUpdatedEvent extends FunctionChangeEvent {
  static readonly eventName = 'function.updated';
  readonly name = FunctionUpdatedEvent.eventName;
}

export class FunctionDeletedEvent extends FunctionChangeEvent {
  static readonly eventName = 'function.deleted';
  readonly name = FunctionDeletedEvent.eventName;
}

/** A version became the live one (deployFunction, rollbackFunction, or a function's first code). */
export class FunctionDeployedEvent extends FunctionChangeEvent {
  static readonly eventName = 'function.deployed';
  readonly name = FunctionDeployedEvent.eventName;

  constructor(
    projectId: string,
    actorId: string | undefined,
    functionId: string,
    functionName: string,
    readonly versionId: string,
    readonly version: number,
    readonly rollback: boolean,
  ) {
    super(projectId, actorId, functionId, functionName);
  }

  override payload(): Record<string, unknown> {
    return { ...super.payload(), versionId: this.versionId, version: this.version, rollback: this.rollback };
  }
}

/** function.invoked (it returned) and function.failed (it threw, timed out, ran out of memory or died). */
export abstract class FunctionInvocationEvent extends DomainEvent {
  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly functionId: string,
    readonly functionName: string,
    readonly invocationId: string,
    readonly status: string,
    readonly trigger: string,
    readonly durationMs: number | null,
    readonly coldStart: boolean,
    readonly error: string | null,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return {
      functionId: this.functionId,
      name: this.functionName,
      invocationId: this.invocationId,
      status: this.status,
      trigger: this.trigger,
      durationMs: this.durationMs,
      coldStart: this.coldStart,
      ...(this.error ? { error: this.error } : {}),
    };
  }
}

export class FunctionInvokedEvent extends FunctionInvocationEvent {
  static readonly eventName = 'function.invoked';
  readonly name = FunctionInvokedEvent.eventName;
}

export class FunctionFailedEvent extends FunctionInvocationEvent {
  static readonly eventName = 'function.failed';
  readonly name = FunctionFailedEvent.eventName;
}
