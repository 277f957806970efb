import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

export enum InvocationStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  /** The handler threw, could not be loaded, or its process died. */
  FAILED = 'FAILED',
  TIMED_OUT = 'TIMED_OUT',
  MEMORY_LIMIT_EXCEEDED = 'MEMORY_LIMIT_EXCEEDED',
}

export const FINISHED_INVOCATION_STATUSES: readonly InvocationStatus[] = [
  InvocationStatus.SUCCEEDED,
  InvocationStatus.FAILED,
  InvocationStatus.TIMED_OUT,
  InvocationStatus.MEMORY_LIMIT_EXCEEDED,
];

export enum InvocationMode {
  SYNC = 'SYNC',
  ASYNC = 'ASYNC',
}

/** What started an invocation. */
export enum InvocationTrigger {
  API = 'API',
  HTTP = 'HTTP',
  CRON = 'CRON',
  EVENT = 'EVENT',
  /** testFunction: not production traffic, left out of metrics. */
  TEST = 'TEST',
}

@Schema({ _id: false, versionKey: false })
export class InvocationLogRecord {
  @Prop({ required: true, enum: ['stdout', 'stderr'] })
  stream!: 'stdout' | 'stderr';

  @Prop({ type: String, default: '' })
  text!: string;

  @Prop({ required: true })
  at!: Date;
}
const InvocationLogSchema = SchemaFactory.createForClass(InvocationLogRecord);

@Schema({ _id: false, versionKey: false })
export class InvocationErrorRecord {
  @Prop({ required: true })
  type!: string;

  // Empty strings are values here (an error without a message or stack), which `required` refuses.
  @Prop({ type: String, default: '' })
  message!: string;

  @Prop({ type: String, default: '' })
  stack!: string;
}
const InvocationErrorSchema = SchemaFactory.createForClass(InvocationErrorRecord);

/** One run of a function: what it was given, what it returned or threw, what it printed and cost. */
@Schema({ collection: 'function_invocations', versionKey: false, timestamps: { createdAt: true, updatedAt: false } })
export class FunctionInvocationRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  functionId!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  /** The version that ran; null for a test of code given with it. */
  @Prop({ type: SchemaTypes.ObjectId, default: null })
  versionId!: Types.ObjectId | null;

  @Prop({ type: Number, default: null })
  versionNumber!: number | null;

  @Prop({ required: true, enum: InvocationMode })
  mode!: InvocationMode;

  @Prop({ required: true, enum: InvocationTrigger })
  trigger!: InvocationTrigger;

  @Prop({ required: true, enum: InvocationStatus })
  status!: InvocationStatus;

  /** The event as JSON text (kept for async invocations until they run). */
  @Prop({ type: String, default: null })
  payloadJson!: string | null;

  @Prop({ type: String, default: null })
  resultJson!: string | null;

  @Prop({ type: InvocationErrorSchema, default: null })
  error!: InvocationErrorRecord | null;

  @Prop({ type: [InvocationLogSchema], default: [] })
  logs!: InvocationLogRecord[];

  @Prop({ required: true, default: false })
  logsTruncated!: boolean;

  @Prop({ type: Number, default: null })
  durationMs!: number | null;

  @Prop({ required: true, default: false })
  coldStart!: boolean;

  @Prop({ type: Number, default: null })
  coldStartMs!: number | null;

  @Prop({ type: Number, default: null })
  peakMemoryBytes!: number | null;

  @Prop({ type: Number, default: null })
  cpuTimeMs!: number | null;

  @Prop({ type: String, default: null })
  createdBy!: string | null;

  @Prop({ type: Date, default: null })
  startedAt!: Date | null;

  @Prop({ type: Date, default: null })
  finishedAt!: Date | null;

  /** When the record goes (FUNCTION_INVOCATION_RETENTION_DAYS after it was made). */
  @Prop({ type: Date, required: true })
  expiresAt!: Date;

  createdAt!: Date;
}

export const FunctionInvocationSchema = SchemaFactory.createForClass(FunctionInvocationRecord);
FunctionInvocationSchema.index({ functionId: 1, _id: -1 });
FunctionInvocationSchema.index({ functionId: 1, createdAt: 1 });
FunctionInvocationSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
