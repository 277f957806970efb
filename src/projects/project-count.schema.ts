import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument, Types } from 'mongoose';

/**
 * How many projects one user owns, in a document of its own so that a single conditional update
 * can hold the owner to PROJECTS_PER_USER however many creations race: MongoDB changes one
 * document atomically, and nothing here needs a transaction.
 */
@Schema({ collection: 'project_counts', versionKey: false })
export class ProjectCountRecord {
  /** The owner's user id. */
  _id!: Types.ObjectId;

  @Prop({ required: true, min: 0 })
  owned!: number;

  /** When a place was last taken or given back; a count is repaired only once it has been still for a while. */
  @Prop({ type: Date, default: () => new Date() })
  changedAt!: Date;
}

export type ProjectCountDocument = HydratedDocument<ProjectCountRecord>;
export const ProjectCountSchema = SchemaFactory.createForClass(ProjectCountRecord);
