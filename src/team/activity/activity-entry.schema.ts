import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type HydratedDocument, type Types } from 'mongoose';
import { ExpiresAtProp } from '../../common/mongo/expiry';

/**
 * One entry of a project's activity feed: a domain event of the project, as who did what to
 * what, when. Written by `ActivityWriterService` only; MongoDB removes it at `expiresAt`
 * (ACTIVITY_RETENTION_DAYS after it happened). The `_id` is taken when the event is announced, so
 * ids order the entries of a process as their events happened.
 */
@Schema({ collection: 'activity_entries', timestamps: false, minimize: false })
export class ActivityEntryRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  /** A user id, `token:<id>`, or null for the platform itself (a job, a timer). */
  @Prop({ type: String, default: null })
  actorId!: string | null;

  @Prop({ type: String, default: null })
  actorEmail!: string | null;

  @Prop({ type: String, default: null })
  actorName!: string | null;

  /** What happened to the object, from the event's name: `created`, `removed`, `role_changed`. */
  @Prop({ required: true })
  verb!: string;

  /** The kind of thing it happened to, the event's family: `build`, `member`, `project`. */
  @Prop({ required: true })
  objectType!: string;

  @Prop({ type: String, default: null })
  objectId!: string | null;

  /** A short human label for the object (a name, a hostname, a branch, an email). */
  @Prop({ type: String, default: null })
  objectName!: string | null;

  /** The domain event's name, such as `member.removed`. */
  @Prop({ required: true })
  event!: string;

  @Prop({ type: Date, required: true })
  occurredAt!: Date;

  @Prop({ type: SchemaTypes.Mixed, default: {} })
  payload!: Record<string, unknown>;

  @ExpiresAtProp({ required: true })
  expiresAt!: Date;
}

export type ActivityEntryDocument = HydratedDocument<ActivityEntryRecord>;
export const ActivityEntrySchema = SchemaFactory.createForClass(ActivityEntryRecord);
ActivityEntrySchema.index({ projectId: 1, _id: -1 });
ActivityEntrySchema.index({ projectId: 1, actorId: 1, _id: -1 });
ActivityEntrySchema.index({ projectId: 1, objectType: 1, _id: -1 });
// MongoDB removes entries past their retention by this date.
ActivityEntrySchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
