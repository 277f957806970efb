import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';
import type { CacheUse } from './cache/build-cache.schema';

export enum BuildStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELED = 'CANCELED',
  TIMED_OUT = 'TIMED_OUT',
}

export const FINISHED_STATUSES: readonly BuildStatus[] = [
  BuildStatus.SUCCEEDED,
  BuildStatus.FAILED,
  BuildStatus.CANCELED,
  BuildStatus.TIMED_OUT,
];

export enum StepStatus {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}

export interface StepRecord {
  name: string;
  status: StepStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  exitCode: number | null;
}

export interface DetectedRecord {
  framework: string;
  packageManager: string | null;
  installCommand: string | null;
  buildCommand: string | null;
  outputDirectory: string;
}

export interface BuildCacheUseRecord {
  status: CacheUse;
  key: string | null;
  lockfiles: string[];
  directories: string[];
  /** Why the cache was not used, when it was not. */
  reason: string | null;
  restoredBytes: number | null;
  savedBytes: number | null;
}

/** One build of a project's repository at a branch (and commit). */
@Schema({ collection: 'builds', versionKey: false, timestamps: true })
export class BuildRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true, index: true })
  projectId!: Types.ObjectId;

  @Prop({ required: true })
  branch!: string;

  /** The commit asked for, if any; `commitSha` once checked out. */
  @Prop({ type: String, default: null })
  requestedCommit!: string | null;

  @Prop({ type: String, default: null })
  commitSha!: string | null;

  @Prop({ type: String, default: null })
  commitMessage!: string | null;

  @Prop({ required: true, enum: BuildStatus, default: BuildStatus.QUEUED })
  status!: BuildStatus;

  @Prop({ type: [Object], default: [] })
  steps!: StepRecord[];

  @Prop({ type: Object, default: null })
  detected!: DetectedRecord | null;

  /** How the build used the cache; null until its checkout is done. */
  @Prop({ type: Object, default: null })
  cache!: BuildCacheUseRecord | null;

  /** The version of the project's environment variables the build was given; null before checkout. */
  @Prop({ type: Number, default: null })
  envVersion!: number | null;

  /** The names of the variables it was given (never their values). */
  @Prop({ type: [String], default: [] })
  envKeys!: string[];

  /** Why a build did not succeed, in a sentence. */
  @Prop({ type: String, default: null })
  error!: string | null;

  @Prop({ type: String, default: null })
  createdBy!: string | null;

  @Prop({ required: true })
  queuedAt!: Date;

  @Prop({ type: Date, default: null })
  startedAt!: Date | null;

  @Prop({ type: Date, default: null })
  finishedAt!: Date | null;

  /** The deployment a successful build produced. */
  @Prop({ type: SchemaTypes.ObjectId, default: null })
  deploymentId!: Types.ObjectId | null;

  /** The build this one retries, if any. */
  @Prop({ type: SchemaTypes.ObjectId, default: null })
  retryOf!: Types.ObjectId | null;

  /** 1 for a build, one more for each retry of it. */
  @Prop({ required: true, default: 1 })
  attempt!: number;

  /** Whether the build holds one of its project's places to run (see BuildDispatcherService). */
  @Prop({ required: true, default: false })
  holdsSlot!: boolean;

  /** Set when a running build is asked to stop; the worker running it stops within two seconds. */
  @Prop({ required: true, default: false })
  cancelRequested!: boolean;

  /** Lines stored for this build so far. */
  @Prop({ required: true, default: 0 })
  logLines!: number;

  createdAt!: Date;
  updatedAt!: Date;
}

export const BuildSchema = SchemaFactory.createForClass(BuildRecord);
BuildSchema.index({ projectId: 1, _id: -1 });
BuildSchema.index({ projectId: 1, status: 1, queuedAt: 1 });
