import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';
import { ExpiresAtProp } from '../common/mongo/expiry';
import { AlertState } from './alert-state';
import { AlertSeverity } from './alert.schema';

/**
 * One change of an alert rule's state, as it happened: kept when the rule is changed or deleted
 * (it carries what it needs to be read alone), removed by MongoDB at `expiresAt`
 * (ALERT_HISTORY_RETENTION_DAYS after it).
 */
@Schema({ collection: 'alert_events', versionKey: false, timestamps: false })
export class AlertEventRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  alertId!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ required: true })
  name!: string;

  @Prop({ required: true })
  metric!: string;

  @Prop({ type: String, required: true, enum: AlertState })
  from!: AlertState;

  @Prop({ type: String, required: true, enum: AlertState })
  to!: AlertState;

  /** What the evaluation saw; null for no data, or for a change made by hand. */
  @Prop({ type: Number, default: null })
  value!: number | null;

  @Prop({ required: true })
  threshold!: number;

  @Prop({ type: String, required: true, enum: AlertSeverity })
  severity!: AlertSeverity;

  @Prop({ type: Date, required: true })
  at!: Date;

  /** Whether the rule was muted then: nobody was notified. */
  @Prop({ required: true })
  muted!: boolean;

  /** Who made the change by hand (`resolveAlert`, disabling the rule); null for an evaluation. */
  @Prop({ type: String, default: null })
  actorId!: string | null;

  @ExpiresAtProp({ required: true })
  expiresAt!: Date;
}

export const AlertEventSchema = SchemaFactory.createForClass(AlertEventRecord);
AlertEventSchema.index({ projectId: 1, _id: -1 });
AlertEventSchema.index({ projectId: 1, alertId: 1, _id: -1 });
// MongoDB removes entries past their retention by this date.
AlertEventSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
