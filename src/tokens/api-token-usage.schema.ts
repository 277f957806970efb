import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';
import { ExpiresAtProp } from '../common/mongo/expiry';
import { MAX_USAGE_DAYS } from './dto/api-token-usage.args';

/** How long a day's count is kept: a little past the longest report (MAX_USAGE_DAYS). */
export const USAGE_KEPT_DAYS = MAX_USAGE_DAYS + 10;

/**
 * How many requests one API token authenticated on one UTC day. MongoDB deletes the row
 * USAGE_KEPT_DAYS after the start of its day (a TTL index on `expiresAt`).
 */
@Schema({ collection: 'api_token_usage', versionKey: false })
export class ApiTokenUsageRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  tokenId!: Types.ObjectId;

  /** `YYYY-MM-DD`, UTC. */
  @Prop({ required: true })
  day!: string;

  @Prop({ required: true, default: 0 })
  count!: number;

  /** The start of `day` plus USAGE_KEPT_DAYS, set when the row is made. */
  @ExpiresAtProp({ required: true })
  expiresAt!: Date;
}

export const ApiTokenUsageSchema = SchemaFactory.createForClass(ApiTokenUsageRecord);
ApiTokenUsageSchema.index({ tokenId: 1, day: 1 }, { unique: true });
ApiTokenUsageSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
