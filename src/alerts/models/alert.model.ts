import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { MetricAggregate } from '../../analytics/models/metric-aggregate.enum';
import { AlertComparison, AlertNoData, AlertState } from '../alert-state';
import { AlertChannel, AlertSeverity, type AlertRecord } from '../alert.schema';

registerEnumType(AlertState, {
  name: 'AlertState',
  description:
    'OK → PENDING (breaching) → FIRING (breaching for `for`) → RESOLVED (recovered for `for`), which behaves as OK.',
});
registerEnumType(AlertComparison, {
  name: 'AlertComparison',
  description:
    'The value breaches when it is greater than (GT), at least (GTE), less than (LT) or at most (LTE) the threshold.',
});
registerEnumType(AlertNoData, {
  name: 'AlertNoData',
  description:
    'What an evaluation whose window holds no point counts as. OK: not breaching, and recovered. ALERTING: breaching, and not recovered. KEEP_STATE: nothing changes until data comes back.',
});
registerEnumType(AlertSeverity, { name: 'AlertSeverity' });
registerEnumType(AlertChannel, {
  name: 'AlertChannel',
  description:
    "EMAIL: mail to the recipients the project's notification preferences name for alert.fired / alert.resolved. WEBHOOK: the alert.fired / alert.resolved event, to the project's webhook endpoints and streams.",
});

@ObjectType('AlertLabel')
export class AlertLabelModel {
  @Field()
  key!: string;

  @Field()
  value!: string;
}

@ObjectType({ description: 'A threshold alert rule on a metric, and where it stands.' })
export class Alert {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field()
  name!: string;

  @Field()
  metric!: string;

  @Field(() => [AlertLabelModel])
  labels!: AlertLabelModel[];

  @Field(() => MetricAggregate)
  aggregate!: MetricAggregate;

  @Field(() => AlertComparison)
  comparison!: AlertComparison;

  @Field(() => Float)
  threshold!: number;

  @Field(() => Float, { nullable: true, description: 'Null: the threshold itself.' })
  recoveryThreshold!: number | null;

  @Field(() => Int, { description: 'Seconds.' })
  window!: number;

  @Field(() => Int, { description: 'Seconds.' })
  for!: number;

  @Field(() => AlertNoData, { description: 'What a window with no point counts as.' })
  noData!: AlertNoData;

  @Field(() => AlertSeverity)
  severity!: AlertSeverity;

  @Field(() => [AlertChannel])
  channels!: AlertChannel[];

  @Field()
  enabled!: boolean;

  @Field(() => AlertState)
  state!: AlertState;

  @Field({ description: 'When the rule entered its state (for PENDING, when the breach began).' })
  stateSince!: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'While FIRING: since when the value has been back on the safe side; null while it is not.',
  })
  recoveringSince!: Date | null;

  @Field(() => Float, { nullable: true, description: 'What the last evaluation saw; null for no data.' })
  lastValue!: number | null;

  @Field(() => Date, { nullable: true })
  lastEvaluatedAt!: Date | null;

  @Field(() => Int, { description: 'Evaluations so far: one per evaluation interval while enabled.' })
  evaluations!: number;

  @Field(() => Date, { nullable: true, description: 'Until when the rule notifies no one; null when not muted.' })
  mutedUntil!: Date | null;

  @Field()
  createdAt!: Date;

  @Field({ description: 'When someone last changed the rule; evaluations do not count.' })
  updatedAt!: Date;

  static from(record: AlertRecord, now = new Date()): Alert {
    return Object.assign(new Alert(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      name: record.name,
      metric: record.metric,
      labels: record.labels.map(({ key, value }) => Object.assign(new AlertLabelModel(), { key, value })),
      aggregate: record.aggregate,
      comparison: record.comparison,
      threshold: record.threshold,
      recoveryThreshold: record.recoveryThreshold,
      window: record.windowSeconds,
      for: record.forSeconds,
      noData: record.noData ?? AlertNoData.OK,
      severity: record.severity,
      channels: record.channels,
      enabled: record.enabled,
      state: record.state,
      stateSince: record.stateSince,
      recoveringSince: record.recoveringSince,
      lastValue: record.lastValue,
      lastEvaluatedAt: record.lastEvaluatedAt,
      evaluations: record.evaluations,
      mutedUntil: record.mutedUntil && record.mutedUntil > now ? record.mutedUntil : null,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    });
  }
}
