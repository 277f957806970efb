import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

export enum FunctionNetwork {
  /** The function may open connections to the internet. */
  INTERNET = 'INTERNET',
  /** An empty network namespace: no connection anywhere, loopback included. */
  NONE = 'NONE',
}

export enum HttpTriggerAuth {
  /** Anyone with the URL. */
  PUBLIC = 'PUBLIC',
  /** A caller with the project's `function:invoke` permission (a bearer token). */
  TOKEN = 'TOKEN',
}

@Schema({ _id: false, versionKey: false })
export class FunctionScheduleRecord {
  @Prop({ required: true })
  cron!: string;

  @Prop({ required: true, default: 'UTC' })
  timezone!: string;
}
const FunctionScheduleSchema = SchemaFactory.createForClass(FunctionScheduleRecord);

/** A project's function: its settings, its triggers and which of its versions is live. */
@Schema({ collection: 'functions', versionKey: false, timestamps: true })
export class FunctionRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ required: true })
  name!: string;

  @Prop({ required: true })
  timeoutSeconds!: number;

  @Prop({ required: true })
  memoryMb!: number;

  @Prop({ required: true, enum: FunctionNetwork, default: FunctionNetwork.INTERNET })
  network!: FunctionNetwork;

  /** The function's own variables as a JSON object, encrypted (purpose `functions.env`); null when none. */
  @Prop({ type: String, default: null })
  envCiphertext!: string | null;

  /** Their names, in the order given, for display. */
  @Prop({ type: [String], default: [] })
  envKeys!: string[];

  @Prop({ required: true, default: true })
  enabled!: boolean;

  @Prop({ type: SchemaTypes.ObjectId, default: null })
  activeVersionId!: Types.ObjectId | null;

  /** Versions made active, oldest first: what rollbackFunction goes back through. */
  @Prop({ type: [SchemaTypes.ObjectId], default: [] })
  deployHistory!: Types.ObjectId[];

  @Prop({ required: true, default: 0 })
  latestVersion!: number;

  /** Grows with every change that running instances must not outlive (code, settings, variables). */
  @Prop({ required: true, default: 1 })
  revision!: number;

  @Prop({ type: Number, default: null })
  minWarmInstances!: number | null;

  @Prop({ type: Number, default: null })
  maxConcurrency!: number | null;

  @Prop({ required: true, default: false })
  httpEnabled!: boolean;

  @Prop({ required: true, enum: HttpTriggerAuth, default: HttpTriggerAuth.PUBLIC })
  httpAuth!: HttpTriggerAuth;

  @Prop({ type: [FunctionScheduleSchema], default: [] })
  schedules!: FunctionScheduleRecord[];

  /** Platform event names or patterns (`build.succeeded`, `deployment.*`) that invoke the function. */
  @Prop({ type: [String], default: [] })
  eventTriggers!: string[];

  @Prop({ type: String, default: null })
  createdBy!: string | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export const FunctionSchema = SchemaFactory.createForClass(FunctionRecord);
FunctionSchema.index({ projectId: 1, name: 1 }, { unique: true });
FunctionSchema.index({ projectId: 1, eventTriggers: 1 });
