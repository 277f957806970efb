import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

export enum RestoreStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

/** One restore of a backup into a database (its own, another of the project, or a new one). */
@Schema({ collection: 'database_restores', versionKey: false, timestamps: true })
export class DatabaseRestoreRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  backupId!: Types.ObjectId;

  /** The database the backup was taken of. */
  @Prop({ type: SchemaTypes.ObjectId, required: true })
  sourceDatabaseId!: Types.ObjectId;

  /** The database restored into. */
  @Prop({ type: SchemaTypes.ObjectId, required: true })
  targetDatabaseId!: Types.ObjectId;

  /** Whether the target was made for this restore (provisioned by its job). */
  @Prop({ type: Boolean, default: false })
  newDatabase!: boolean;

  @Prop({ type: String, required: true, enum: RestoreStatus })
  status!: RestoreStatus;

  /** Share of the stored backup read into the target, 0 to 1. */
  @Prop({ type: Number, default: 0 })
  progress!: number;

  /** Why it failed; never holds a credential. */
  @Prop({ type: String, default: null })
  failureReason!: string | null;

  /** The stable reason it failed (BACKUP_CORRUPT, …); null otherwise. */
  @Prop({ type: String, default: null })
  failureCode!: string | null;

  @Prop({ type: Date, default: null })
  startedAt!: Date | null;

  @Prop({ type: Date, default: null })
  finishedAt!: Date | null;

  @Prop({ type: String, default: null })
  createdBy!: string | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export const DatabaseRestoreSchema = SchemaFactory.createForClass(DatabaseRestoreRecord);
DatabaseRestoreSchema.index({ targetDatabaseId: 1, _id: -1 });
DatabaseRestoreSchema.index({ sourceDatabaseId: 1 });
// Whether a backup is being restored (retention and deletion ask before removing it).
DatabaseRestoreSchema.index({ backupId: 1, status: 1 });
