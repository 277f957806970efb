import { Field, Float, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { RestoreStatus, type DatabaseRestoreRecord } from '../database-restore.schema';

registerEnumType(RestoreStatus, { name: 'DatabaseRestoreStatus' });

@ObjectType({ description: 'A backup being restored, or restored, into a database.' })
export class DatabaseRestore {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  backupId!: string;

  @Field(() => ID, { description: 'The database the backup was taken of.' })
  sourceDatabaseId!: string;

  @Field(() => ID, { description: 'The database restored into.' })
  targetDatabaseId!: string;

  @Field(() => RestoreStatus)
  status!: RestoreStatus;

  @Field(() => Float, { description: 'Share of the stored backup read into the database, 0 to 1.' })
  progress!: number;

  @Field(() => String, { nullable: true, description: 'Why it failed.' })
  failureReason!: string | null;

  @Field(() => String, { nullable: true, description: 'The stable reason it failed (BACKUP_CORRUPT, …).' })
  failureCode!: string | null;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field()
  createdAt!: Date;

  static from(record: DatabaseRestoreRecord): DatabaseRestore {
    return Object.assign(new DatabaseRestore(), {
      id: record._id.toHexString(),
      backupId: record.backupId.toHexString(),
      sourceDatabaseId: record.sourceDatabaseId.toHexString(),
      targetDatabaseId: record.targetDatabaseId.toHexString(),
      status: record.status,
      progress: record.progress ?? 0,
      failureReason: record.failureReason ?? null,
      failureCode: record.failureCode ?? null,
      startedAt: record.startedAt ?? null,
      finishedAt: record.finishedAt ?? null,
      createdAt: record.createdAt,
    });
  }
}
