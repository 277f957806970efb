import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

/** The environments a variable is given to. */
export enum EnvTarget {
  PRODUCTION = 'PRODUCTION',
  PREVIEW = 'PREVIEW',
  DEVELOPMENT = 'DEVELOPMENT',
}

export enum EnvVarType {
  /** Readable back through the API. */
  PLAIN = 'PLAIN',
  /** Written, never read back: the API shows a masked form only. */
  SECRET = 'SECRET',
}

/** One variable of a project for one environment (and, optionally, one branch of it). */
@Schema({ collection: 'env_vars', versionKey: false, timestamps: true })
export class EnvVarRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ required: true })
  key!: string;

  @Prop({ required: true, enum: EnvTarget })
  target!: EnvTarget;

  /** A branch the value is for, overriding the environment's own; '' for every branch. */
  @Prop({ required: true, default: '' })
  branch!: string;

  @Prop({ required: true, enum: EnvVarType })
  type!: EnvVarType;

  /** The value, encrypted with the platform's key ring whatever its type. */
  @Prop({ required: true })
  value!: string;

  /** The project's variables version this value was written in. */
  @Prop({ required: true })
  version!: number;

  @Prop({ type: String, default: null })
  updatedBy!: string | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export const EnvVarSchema = SchemaFactory.createForClass(EnvVarRecord);
EnvVarSchema.index({ projectId: 1, key: 1, target: 1, branch: 1 }, { unique: true });

/** A project's variables version: one more for every change, so a build can say which set it used. */
@Schema({ collection: 'env_var_versions', versionKey: false })
export class EnvVarVersionRecord {
  /** The project id. */
  _id!: Types.ObjectId;

  @Prop({ required: true, default: 0 })
  version!: number;
}

export const EnvVarVersionSchema = SchemaFactory.createForClass(EnvVarVersionRecord);
