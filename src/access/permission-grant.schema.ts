import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { ExpiresAtProp, indexExpiry } from '../common/mongo/expiry';
import { SchemaTypes, type HydratedDocument, type Types } from 'mongoose';

/** One permission granted directly to a user in a project, optionally until `expiresAt`. */
@Schema({ collection: 'permission_grants', timestamps: true })
export class PermissionGrantRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  userId!: Types.ObjectId;

  @Prop({ required: true })
  permission!: string;

  @ExpiresAtProp()
  expiresAt!: Date | null;

  @Prop({ type: String, default: null })
  grantedBy!: string | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export type PermissionGrantDocument = HydratedDocument<PermissionGrantRecord>;
export const PermissionGrantSchema = SchemaFactory.createForClass(PermissionGrantRecord);
PermissionGrantSchema.index({ projectId: 1, userId: 1, permission: 1 }, { unique: true });
indexExpiry(PermissionGrantSchema);
