import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument, Types } from 'mongoose';

export enum AuditOutcome {
  GRANTED = 'GRANTED',
  DENIED = 'DENIED',
  FAILED = 'FAILED',
}

/** One mutation or denied attempt. Arguments are stored with secrets already redacted. */
@Schema({ collection: 'audit_logs', versionKey: false })
export class AuditLogRecord {
  _id!: Types.ObjectId;

  /** A user id, `token:<id>`, or null for anonymous callers. */
  @Prop({ type: String, default: null })
  actorId!: string | null;

  @Prop({ type: String, default: null })
  actorEmail!: string | null;

  /** The user behind the actor: the user itself, or the owner of the API token that acted. */
  @Prop({ type: String, default: null })
  actorUserId!: string | null;

  @Prop({ type: String, default: null })
  projectId!: string | null;

  /** `mutation.createProject`, `query.auditLogs`, … */
  @Prop({ required: true })
  operation!: string;

  @Prop({ type: Object, default: {} })
  arguments!: Record<string, unknown>;

  @Prop({ required: true, enum: AuditOutcome })
  outcome!: AuditOutcome;

  /** The public error code of a denied or failed attempt. */
  @Prop({ type: String, default: null })
  errorCode!: string | null;

  @Prop({ type: String, default: null })
  errorReason!: string | null;

  @Prop({ required: true })
  durationMs!: number;

  @Prop({ type: String, default: null })
  ip!: string | null;

  @Prop({ type: String, default: null })
  userAgent!: string | null;

  @Prop({ type: String, default: null })
  requestId!: string | null;

  @Prop({ required: true })
  occurredAt!: Date;
}

export type AuditLogDocument = HydratedDocument<AuditLogRecord>;
export const AuditLogSchema = SchemaFactory.createForClass(AuditLogRecord);
AuditLogSchema.index({ projectId: 1, _id: -1 });
AuditLogSchema.index({ actorId: 1, _id: -1 });
