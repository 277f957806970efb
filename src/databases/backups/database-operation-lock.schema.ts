import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

/**
 * The one backup or restore running on a database, across every process: a document per
 * database (unique), inserted to take it and deleted to release it. A lock whose holder stopped
 * renewing it (a worker that died) is taken over once `expiresAt` has passed.
 */
@Schema({ collection: 'database_operation_locks', versionKey: false })
export class DatabaseOperationLockRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  databaseId!: Types.ObjectId;

  /** What holds it: `backup:<id>` or `restore:<id>`. */
  @Prop({ required: true })
  holder!: string;

  @Prop({ type: Date, required: true })
  acquiredAt!: Date;

  /** Renewed while the operation runs; past it, the lock is stale. */
  @Prop({ type: Date, required: true })
  expiresAt!: Date;
}

export const DatabaseOperationLockSchema = SchemaFactory.createForClass(DatabaseOperationLockRecord);
DatabaseOperationLockSchema.index({ databaseId: 1 }, { unique: true });
