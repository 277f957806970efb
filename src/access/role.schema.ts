import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type HydratedDocument, type Types } from 'mongoose';

/** A project's custom role. Built-in roles are constants and are not stored. */
@Schema({ collection: 'roles', timestamps: true })
export class RoleRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true, index: true })
  projectId!: Types.ObjectId;

  @Prop({ required: true, trim: true })
  name!: string;

  /** Lower-cased name, unique per project. */
  @Prop({ required: true })
  nameKey!: string;

  @Prop({ type: String, default: '' })
  description!: string;

  @Prop({ type: [String], default: [] })
  permissions!: string[];

  @Prop({ type: String, default: null })
  createdBy!: string | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export type RoleDocument = HydratedDocument<RoleRecord>;
export const RoleSchema = SchemaFactory.createForClass(RoleRecord);
RoleSchema.index({ projectId: 1, nameKey: 1 }, { unique: true });
