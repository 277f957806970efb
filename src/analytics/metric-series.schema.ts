import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';
import type { MetricSource } from './metrics.types';

/**
 * One series: a metric of a project with one label set. Its buckets and raw points name it by id,
 * so a query finds the series its label filter matches here, then reads only theirs.
 */
@Schema({ collection: 'metric_series', versionKey: false })
export class MetricSeriesRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ required: true })
  name!: string;

  /** The label set, keys sorted; keys are `[A-Za-z_][A-Za-z0-9_]*`, so they are safe as field names. */
  @Prop({ type: SchemaTypes.Mixed, required: true })
  labels!: Record<string, string>;

  /** A digest of the sorted labels (`-` for none): one series per label set, whatever the order. */
  @Prop({ required: true })
  labelsKey!: string;

  /** The unit its latest point named, if any did. */
  @Prop({ type: String, default: null })
  unit!: string | null;

  @Prop({ type: String, required: true })
  source!: MetricSource;

  /**
   * The series' reference value (its first point's): its buckets store the sum and the sum of
   * squares of `value - ref`, which keep their precision for large values close together, where
   * plain sums of squares lose it all. Null for series stored before it was kept (their buckets
   * hold plain sums of squares, `ref` 0).
   */
  @Prop({ type: Number, default: null })
  ref!: number | null;

  @Prop({ type: Date, required: true })
  createdAt!: Date;

  /**
   * Set while its creator checks the bounds with it stored; cleared once it is kept. No one
   * records under a pending series, so taking one back orphans nothing.
   */
  @Prop({ type: Boolean })
  pending?: boolean;

  /** The latest time of a point recorded in it. */
  @Prop({ type: Date, required: true })
  lastSeenAt!: Date;
}

export const MetricSeriesSchema = SchemaFactory.createForClass(MetricSeriesRecord);
MetricSeriesSchema.index({ projectId: 1, name: 1, labelsKey: 1 }, { unique: true });
// The expiry sweep looks for series not seen for longer than day buckets are kept.
MetricSeriesSchema.index({ lastSeenAt: 1 });
