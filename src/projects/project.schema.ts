import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type HydratedDocument, type Types } from 'mongoose';

/** The tenancy root: every other resource hangs from a project. */
@Schema({ collection: 'projects', timestamps: true })
export class ProjectRecord {
  _id!: Types.ObjectId;

  @Prop({ required: true, trim: true })
  name!: string;

  /** URL-safe handle, unique per owner. */
  @Prop({ required: true })
  slug!: string;

  @Prop({ type: String, default: '' })
  description!: string;

  @Prop({ type: SchemaTypes.ObjectId, required: true, index: true })
  ownerId!: Types.ObjectId;

  createdAt!: Date;
  updatedAt!: Date;
}

export type ProjectDocument = HydratedDocument<ProjectRecord>;
export const ProjectSchema = SchemaFactory.createForClass(ProjectRecord);
ProjectSchema.index({ ownerId: 1, slug: 1 }, { unique: true });
