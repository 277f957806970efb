import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { ExpiresAtProp, indexExpiry } from '../common/mongo/expiry';
import { SchemaTypes, type HydratedDocument, type Types } from 'mongoose';

/**
 * A user holding a role in a project, optionally until `expiresAt`. Expiry is enforced when
 * permissions are read; a maintenance job removes expired rows afterwards.
 */
@Schema({ collection: 'role_assignments', timestamps: true })
export class RoleAssignmentRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  userId!: Types.ObjectId;

  /** A built-in role key (`owner`, …) or a custom role's id. */
  @Prop({ required: true })
  roleId!: string;

  @ExpiresAtProp()
  expiresAt!: Date | null;

  @Prop({ type: String, default: null })
  grantedBy!: string | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export type RoleAssignmentDocument = HydratedDocument<RoleAssignmentRecord>;
export const RoleAssignmentSchema = SchemaFactory.createForClass(RoleAssignmentRecord);
RoleAssignmentSchema.index({ projectId: 1, userId: 1, roleId: 1 }, { unique: true });
RoleAssignmentSchema.index({ projectId: 1, roleId: 1 });
indexExpiry(RoleAssignmentSchema);
