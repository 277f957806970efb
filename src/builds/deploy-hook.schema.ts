import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

/** A secret URL that builds a project's branch when something POSTs to it (a CMS, a cron job, CI). */
@Schema({ collection: 'deploy_hooks', versionKey: false, timestamps: { createdAt: true, updatedAt: false } })
export class DeployHookRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true, index: true })
  projectId!: Types.ObjectId;

  @Prop({ required: true })
  name!: string;

  @Prop({ required: true })
  branch!: string;

  /** SHA-256 of the secret part of the URL; the secret itself is shown once, at creation. */
  @Prop({ required: true })
  secretHash!: string;

  @Prop({ type: Date, default: null })
  lastTriggeredAt!: Date | null;

  createdAt!: Date;
}

export const DeployHookSchema = SchemaFactory.createForClass(DeployHookRecord);
