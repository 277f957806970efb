import { DomainEvent } from '../../common/events/domain-event';

/** Base of deployment.created / promoted / rolled_back. */
export abstract class DeploymentLifecycleEvent extends DomainEvent {
  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly deploymentId: string,
    readonly environment: string,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return { deploymentId: this.deploymentId, environment: this.environment };
  }
}

export class DeploymentCreatedEvent extends DeploymentLifecycleEvent {
  static readonly eventName = 'deployment.created';
  readonly name = DeploymentCreatedEvent.eventName;
}

export class DeploymentPromotedEvent extends DeploymentLifecycleEvent {
  static readonly eventName = 'deployment.promoted';
  readonly name = DeploymentPromotedEvent.eventName;
}

export class DeploymentRolledBackEvent extends DeploymentLifecycleEvent {
  static readonly eventName = 'deployment.rolled_back';
  readonly name = DeploymentRolledBackEvent.eventName;
}
