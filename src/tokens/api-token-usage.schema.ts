import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

/** How many requests one API token authenticated on one UTC day. */
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
}

export const ApiTokenUsageSchema = SchemaFactory.createForClass(ApiTokenUsageRecord);
ApiTokenUsageSchema.index({ tokenId: 1, day: 1 }, { unique: true });
