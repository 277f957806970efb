import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';
import type { BucketResolution } from './metric-rules';
import type { StoredSketch } from './sketch/dd-sketch';

/**
 * What the points of one series in one minute, hour or day add up to. Every point is added to its
 * three buckets when it is recorded (`$inc`, `$min`, `$max` upserts), so coarse resolutions never
 * lag behind fine ones, and buckets of one span merge into its value for every aggregate.
 */
@Schema({ collection: 'metric_buckets', versionKey: false })
export class MetricBucketRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  seriesId!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ required: true })
  name!: string;

  @Prop({ type: String, required: true })
  res!: BucketResolution;

  /** The bucket's start, aligned to its width from the epoch (UTC). */
  @Prop({ type: Date, required: true })
  t!: Date;

  @Prop({ required: true })
  count!: number;

  @Prop({ required: true })
  sum!: number;

  /**
   * The sum of the squares of `value - ref`, for the standard deviation: shifted by the series'
   * reference value, so that values of 1e9 ± 1 keep their spread (a plain sum of squares of them
   * has no digit left for it).
   */
  @Prop({ required: true })
  sumsq!: number;

  /** The series' reference value (`MetricSeriesRecord.ref`); absent (0) for series without one. */
  @Prop({ type: Number })
  ref?: number;

  /** The sum of `value - ref`; absent where `ref` is (then it is `sum`). */
  @Prop({ type: Number })
  dsum?: number;

  @Prop({ required: true })
  min!: number;

  @Prop({ required: true })
  max!: number;

  /** A DDSketch of the values (relative accuracy 1 %): `{ p<k>: n, n<k>: n, z: n }`. */
  @Prop({ type: SchemaTypes.Mixed, default: {} })
  sketch!: StoredSketch;

  /** When the bucket's resolution stops keeping it (removed by the analytics sweep, and a TTL index). */
  @Prop({ type: Date, required: true })
  expiresAt!: Date;
}

export const MetricBucketSchema = SchemaFactory.createForClass(MetricBucketRecord);
MetricBucketSchema.index({ seriesId: 1, res: 1, t: 1 }, { unique: true });
MetricBucketSchema.index({ projectId: 1, name: 1, res: 1, t: 1 });
MetricBucketSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
