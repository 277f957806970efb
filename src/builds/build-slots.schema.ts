import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Types } from 'mongoose';

/**
 * How many of a project's builds hold a place to run (dispatched to the queue or running), in a
 * document of its own so that one conditional update holds the project to its limit however many
 * processes dispatch at once.
 */
@Schema({ collection: 'build_slots', versionKey: false })
export class BuildSlotsRecord {
  /** The project id. */
  _id!: Types.ObjectId;

  @Prop({ required: true, default: 0 })
  taken!: number;
}

export const BuildSlotsSchema = SchemaFactory.createForClass(BuildSlotsRecord);
