import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';
import { DATABASE_ENGINES, type DatabaseEngineName } from '../../config/database-hosts';

export enum BackupStatus {
  /** Being dumped into the store (a job). */
  RUNNING = 'RUNNING',
  /** Stored, with its size and checksum: it can be restored. */
  SUCCEEDED = 'SUCCEEDED',
  /** The dump or the store failed (see failureReason); nothing of it is stored. */
  FAILED = 'FAILED',
}

export enum BackupTrigger {
  /** Asked for with createBackup. */
  MANUAL = 'MANUAL',
  /** Made by the database's backup schedule. */
  SCHEDULED = 'SCHEDULED',
}

/** One backup of a managed database: a gzip-compressed dump in the backup store. */
@Schema({ collection: 'database_backups', versionKey: false, timestamps: true })
export class DatabaseBackupRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  databaseId!: Types.ObjectId;

  @Prop({ type: String, required: true, enum: DATABASE_ENGINES })
  engine!: DatabaseEngineName;

  @Prop({ type: String, required: true, enum: BackupStatus })
  status!: BackupStatus;

  @Prop({ type: String, required: true, enum: BackupTrigger })
  trigger!: BackupTrigger;

  /** Where the backup store keeps it. */
  @Prop({ required: true })
  storageKey!: string;

  /** Bytes stored (compressed); null until it succeeded. */
  @Prop({ type: Number, default: null })
  sizeBytes!: number | null;

  /** SHA-256 (hex) of the stored, compressed bytes; null until it succeeded. */
  @Prop({ type: String, default: null })
  checksum!: string | null;

  @Prop({ type: String, default: 'gzip' })
  compression!: string;

  @Prop({ type: Date, required: true })
  startedAt!: Date;

  @Prop({ type: Date, default: null })
  finishedAt!: Date | null;

  /** Why it failed, for its owner to read; never holds a credential. */
  @Prop({ type: String, default: null })
  failureReason!: string | null;

  /** Who asked for it (a user id or `token:<id>`); null for scheduled backups. */
  @Prop({ type: String, default: null })
  createdBy!: string | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export const DatabaseBackupSchema = SchemaFactory.createForClass(DatabaseBackupRecord);
DatabaseBackupSchema.index({ databaseId: 1, _id: -1 });
DatabaseBackupSchema.index({ databaseId: 1, status: 1, _id: -1 });
