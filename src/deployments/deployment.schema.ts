import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

export enum DeploymentEnvironment {
  PRODUCTION = 'PRODUCTION',
  PREVIEW = 'PREVIEW',
}

/** The immutable output of one successful build, stored under `STORAGE_DIR/deployments/<id>`. */
@Schema({ collection: 'deployments', versionKey: false, timestamps: { createdAt: true, updatedAt: false } })
export class DeploymentRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  buildId!: Types.ObjectId;

  @Prop({ required: true, enum: DeploymentEnvironment })
  environment!: DeploymentEnvironment;

  @Prop({ required: true })
  branch!: string;

  @Prop({ type: String, default: null })
  commitSha!: string | null;

  /** SHA-256 over every file's path and content, in path order. */
  @Prop({ required: true })
  checksum!: string;

  @Prop({ required: true })
  sizeBytes!: number;

  @Prop({ required: true })
  fileCount!: number;

  /** Whether a missing page (a path without a file extension) is answered with index.html. */
  @Prop({ required: true, default: false })
  spaFallback!: boolean;

  createdAt!: Date;
}

export const DeploymentSchema = SchemaFactory.createForClass(DeploymentRecord);
DeploymentSchema.index({ projectId: 1, _id: -1 });

/** Which deployment a project serves in production, and the ones it served before, newest first. */
@Schema({ collection: 'production_aliases', versionKey: false, timestamps: true })
export class ProductionAliasRecord {
  /** The project id. */
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  deploymentId!: Types.ObjectId;

  /** Earlier production deployments, the most recent first, for instant rollbacks. */
  @Prop({ type: [SchemaTypes.ObjectId], default: [] })
  previous!: Types.ObjectId[];

  updatedAt!: Date;
}

export const ProductionAliasSchema = SchemaFactory.createForClass(ProductionAliasRecord);
