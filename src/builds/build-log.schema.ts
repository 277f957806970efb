import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

export interface LogLineRecord {
  seq: number;
  at: Date;
  stream: 'stdout' | 'stderr' | 'system';
  step: string;
  text: string;
}

/**
 * A run of consecutive log lines of one build: lines are stored in batches (one document per line
 * would not keep up with a chatty build), each batch covering `firstSeq` to `lastSeq`.
 */
@Schema({ collection: 'build_logs', versionKey: false })
export class BuildLogChunkRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  buildId!: Types.ObjectId;

  @Prop({ required: true })
  firstSeq!: number;

  @Prop({ required: true })
  lastSeq!: number;

  @Prop({ type: [Object], required: true })
  lines!: LogLineRecord[];
}

export const BuildLogChunkSchema = SchemaFactory.createForClass(BuildLogChunkRecord);
BuildLogChunkSchema.index({ buildId: 1, firstSeq: 1 }, { unique: true });
