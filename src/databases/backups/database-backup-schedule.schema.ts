import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

/** A database's backup schedule and retention; at most one per database. */
@Schema({ collection: 'database_backup_schedules', versionKey: false, timestamps: true })
export class DatabaseBackupScheduleRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  databaseId!: Types.ObjectId;

  /** Five fields, or six with seconds first. */
  @Prop({ required: true })
  cron!: string;

  /** An IANA time zone the cron is read in. */
  @Prop({ required: true })
  timezone!: string;

  /** Successful backups kept, newest first; null for no count limit. */
  @Prop({ type: Number, default: null })
  keepLast!: number | null;

  /** Days a successful backup is kept; null for no age limit. */
  @Prop({ type: Number, default: null })
  keepDays!: number | null;

  @Prop({ type: Boolean, required: true })
  enabled!: boolean;

  /** Who set it last. */
  @Prop({ type: String, default: null })
  updatedBy!: string | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export const DatabaseBackupScheduleSchema = SchemaFactory.createForClass(DatabaseBackupScheduleRecord);
DatabaseBackupScheduleSchema.index({ databaseId: 1 }, { unique: true });
