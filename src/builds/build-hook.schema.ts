import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

export enum BuildHookPhase {
  PRE_BUILD = 'PRE_BUILD',
  POST_BUILD = 'POST_BUILD',
}

/** A command a project runs in every build, before or after its build command. */
@Schema({ collection: 'build_hooks', versionKey: false, timestamps: { createdAt: true, updatedAt: false } })
export class BuildHookRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true, index: true })
  projectId!: Types.ObjectId;

  @Prop({ required: true, enum: BuildHookPhase })
  phase!: BuildHookPhase;

  @Prop({ required: true })
  command!: string;

  /** Hooks of a phase run by increasing order. */
  @Prop({ required: true, default: 0 })
  order!: number;

  /** Whether the build goes on when the hook fails. */
  @Prop({ required: true, default: false })
  continueOnError!: boolean;

  createdAt!: Date;
}

export const BuildHookSchema = SchemaFactory.createForClass(BuildHookRecord);
