import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { AlertState } from '../alert-state';
import { AlertSeverity } from '../alert.schema';
import type { AlertEventRecord } from '../alert-event.schema';

/** An alert event as it crosses Redis to the live streams: dates as ISO strings. */
export interface AlertEventMessage {
  id: string;
  alertId: string;
  projectId: string;
  name: string;
  metric: string;
  from: AlertState;
  to: AlertState;
  value: number | null;
  threshold: number;
  severity: AlertSeverity;
  at: string;
  muted: boolean;
  actorId: string | null;
}

@ObjectType({ description: "A change of an alert rule's state." })
export class AlertEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  alertId!: string;

  @Field(() => ID)
  projectId!: string;

  @Field({ description: "The rule's name then." })
  name!: string;

  @Field()
  metric!: string;

  @Field(() => AlertState)
  from!: AlertState;

  @Field(() => AlertState)
  to!: AlertState;

  @Field(() => Float, {
    nullable: true,
    description: 'What the evaluation saw; null for no data or a change made by hand.',
  })
  value!: number | null;

  @Field(() => Float)
  threshold!: number;

  @Field(() => AlertSeverity)
  severity!: AlertSeverity;

  @Field()
  at!: Date;

  @Field({ description: 'Whether the rule was muted: nobody was notified.' })
  muted!: boolean;

  @Field(() => ID, { nullable: true, description: 'Who made the change by hand; null for an evaluation.' })
  actorId!: string | null;

  static from(record: AlertEventRecord): AlertEvent {
    return Object.assign(new AlertEvent(), {
      id: record._id.toHexString(),
      alertId: record.alertId.toHexString(),
      projectId: record.projectId.toHexString(),
      name: record.name,
      metric: record.metric,
      from: record.from,
      to: record.to,
      value: record.value,
      threshold: record.threshold,
      severity: record.severity,
      at: record.at,
      muted: record.muted,
      actorId: record.actorId,
    });
  }

  static fromMessage(message: AlertEventMessage): AlertEvent {
    return Object.assign(new AlertEvent(), { ...message, at: new Date(message.at) });
  }

  toMessage(): AlertEventMessage {
    return { ...this, at: this.at.toISOString() };
  }
}
