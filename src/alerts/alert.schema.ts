import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';
import { MetricAggregate } from '../analytics/models/metric-aggregate.enum';
import { AlertComparison, AlertNoData, AlertState } from './alert-state';

export enum AlertSeverity {
  INFO = 'INFO',
  WARNING = 'WARNING',
  CRITICAL = 'CRITICAL',
}

/** How a rule's firing and resolution are told. */
export enum AlertChannel {
  /** Mail to the recipients the project's notification preferences name for alert.fired / alert.resolved. */
  EMAIL = 'EMAIL',
  /** The domain event alert.fired / alert.resolved: the project's webhook endpoints subscribed to it, its streams. */
  WEBHOOK = 'WEBHOOK',
}

/**
 * A change of a rule's state not yet recorded in `alert_events` and told: written in the same
 * update as the change itself, so that no change is stored without it, and removed once
 * recorded. It carries what the history entry says of the rule at the change.
 */
@Schema({ versionKey: false })
export class PendingAlertChange {
  /** The history entry's id, so that recording it again (after a crash) adds nothing. */
  _id!: Types.ObjectId;

  @Prop({ type: String, required: true, enum: AlertState })
  from!: AlertState;

  @Prop({ type: String, required: true, enum: AlertState })
  to!: AlertState;

  @Prop({ type: Number, default: null })
  value!: number | null;

  @Prop({ type: Date, required: true })
  at!: Date;

  @Prop({ type: String, default: null })
  actorId!: string | null;

  /** Whether the rule was muted at the change: then nobody is told, even if it is recorded later. */
  @Prop({ required: true })
  muted!: boolean;

  @Prop({ required: true })
  name!: string;

  @Prop({ required: true })
  metric!: string;

  @Prop({ required: true })
  threshold!: number;

  @Prop({ type: String, required: true, enum: AlertSeverity })
  severity!: AlertSeverity;
}

const PendingAlertChangeSchema = SchemaFactory.createForClass(PendingAlertChange);

/** One evaluation of a rule, as its record of recent evaluations keeps it. */
@Schema({ _id: false, versionKey: false })
export class AlertEvaluation {
  /** The tick it was claimed for: one evaluation per tick, across all workers. */
  @Prop({ required: true })
  tick!: number;

  @Prop({ type: Date, required: true })
  at!: Date;

  /** What it saw; null for no data. */
  @Prop({ type: Number, default: null })
  value!: number | null;

  /** The process that ran it: `<host>:<pid>`. */
  @Prop({ required: true })
  by!: string;
}

const AlertEvaluationSchema = SchemaFactory.createForClass(AlertEvaluation);

/** A label a rule's metric series must carry. */
export interface AlertLabel {
  key: string;
  value: string;
}

/**
 * A threshold alert rule of a project: a metric's value over a window, compared with a threshold,
 * evaluated by the workers every ALERT_EVALUATION_INTERVAL_MS; its state and what the last
 * evaluation saw are kept here, its state changes in `alert_events`.
 */
@Schema({ collection: 'alerts', versionKey: false, timestamps: true })
export class AlertRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ required: true })
  name!: string;

  @Prop({ required: true })
  metric!: string;

  /** Sorted by key; a series matches when its labels include every one of them. */
  @Prop({ type: [{ _id: false, key: String, value: String }], default: [] })
  labels!: AlertLabel[];

  @Prop({ type: String, required: true, enum: MetricAggregate })
  aggregate!: MetricAggregate;

  @Prop({ type: String, required: true, enum: AlertComparison })
  comparison!: AlertComparison;

  @Prop({ required: true })
  threshold!: number;

  /** Null: the threshold itself. */
  @Prop({ type: Number, default: null })
  recoveryThreshold!: number | null;

  @Prop({ required: true })
  windowSeconds!: number;

  @Prop({ required: true })
  forSeconds!: number;

  /** What a window with no point counts as; rules stored before it existed read as OK. */
  @Prop({ type: String, enum: AlertNoData, default: AlertNoData.OK })
  noData!: AlertNoData;

  @Prop({ type: String, required: true, enum: AlertSeverity })
  severity!: AlertSeverity;

  @Prop({ type: [String], enum: AlertChannel, default: [] })
  channels!: AlertChannel[];

  @Prop({ required: true })
  enabled!: boolean;

  @Prop({ type: String, required: true, enum: AlertState })
  state!: AlertState;

  @Prop({ type: Date, required: true })
  stateSince!: Date;

  @Prop({ type: Date, default: null })
  recoveringSince!: Date | null;

  /**
   * Bumped by every change of the state and its times, and of what an evaluation is computed from
   * (metric, labels, aggregate, comparison, thresholds, window, `for`, `noData`, `enabled`), so that a change
   * is written only over the rule it was computed from.
   */
  @Prop({ required: true, default: 0 })
  revision!: number;

  /**
   * The last evaluation tick (the time divided by the evaluation interval) that claimed the rule:
   * a tick claims it only while this is lower, so it is evaluated once per tick on all workers.
   */
  @Prop({ required: true, default: -1 })
  lastTick!: number;

  /** Evaluations so far. */
  @Prop({ required: true, default: 0 })
  evaluations!: number;

  @Prop({ type: Number, default: null })
  lastValue!: number | null;

  @Prop({ type: Date, default: null })
  lastEvaluatedAt!: Date | null;

  /** The last evaluations whose outcome was stored (20 at most), oldest first: which tick, when, what, by whom. */
  @Prop({ type: [AlertEvaluationSchema], default: [] })
  recentEvaluations!: AlertEvaluation[];

  /** Until when the rule notifies no one; null when it is not muted. */
  @Prop({ type: Date, default: null })
  mutedUntil!: Date | null;

  /** Changes of state not yet recorded and told, oldest first (`AlertOutboxService`). */
  @Prop({ type: [PendingAlertChangeSchema], default: [] })
  outbox!: PendingAlertChange[];

  /** Until when the process recording the pending changes has them to itself; null: nobody is. */
  @Prop({ type: Date, default: null })
  outboxLeaseUntil!: Date | null;

  /** Which process that is: it goes on only while this is still its own. */
  @Prop({ type: String, default: null })
  outboxLeaseId!: string | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export const AlertSchema = SchemaFactory.createForClass(AlertRecord);
AlertSchema.index({ projectId: 1, _id: 1 });
AlertSchema.index({ enabled: 1, lastTick: 1 });
// The sweep looks for rules with changes left pending.
AlertSchema.index({ 'outbox.at': 1 }, { sparse: true });
