import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

/**
 * A point as it was recorded, kept ANALYTICS_RAW_RETENTION_HOURS: what exact answers over a
 * recent window (alert rules) are computed from.
 */
@Schema({ collection: 'metric_points', versionKey: false })
export class MetricPointRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ required: true })
  name!: string;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  seriesId!: Types.ObjectId;

  @Prop({ type: SchemaTypes.Mixed, required: true })
  labels!: Record<string, string>;

  @Prop({ required: true })
  value!: number;

  /** When it was observed. */
  @Prop({ type: Date, required: true })
  t!: Date;

  @Prop({ type: Date, required: true })
  expiresAt!: Date;
}

export const MetricPointSchema = SchemaFactory.createForClass(MetricPointRecord);
MetricPointSchema.index({ projectId: 1, name: 1, t: 1 });
MetricPointSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
