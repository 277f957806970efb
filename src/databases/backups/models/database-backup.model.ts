import { Field, Float, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DatabaseEngine } from '../../models/database.model';
import { BackupStatus, BackupTrigger, type DatabaseBackupRecord } from '../database-backup.schema';

registerEnumType(BackupStatus, { name: 'DatabaseBackupStatus' });
registerEnumType(BackupTrigger, { name: 'DatabaseBackupTrigger' });

@ObjectType({
  description: "A backup of a managed database: its dump, gzip-compressed, in the platform's backup store.",
})
export class DatabaseBackup {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field(() => ID)
  databaseId!: string;

  @Field(() => DatabaseEngine)
  engine!: keyof typeof DatabaseEngine;

  @Field(() => BackupStatus)
  status!: BackupStatus;

  @Field(() => BackupTrigger)
  trigger!: BackupTrigger;

  @Field(() => Float, { nullable: true, description: 'Bytes stored (compressed), once it succeeded.' })
  sizeBytes!: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'SHA-256 (hex) of the stored, compressed bytes, once it succeeded; checked before every restore.',
  })
  checksum!: string | null;

  @Field(() => String)
  compression!: string;

  @Field()
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it failed.' })
  failureReason!: string | null;

  @Field(() => String, { nullable: true, description: 'Who asked for it; null for scheduled backups.' })
  createdBy!: string | null;

  static from(record: DatabaseBackupRecord): DatabaseBackup {
    return Object.assign(new DatabaseBackup(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      databaseId: record.databaseId.toHexString(),
      engine: record.engine,
      status: record.status,
      trigger: record.trigger,
      sizeBytes: record.sizeBytes ?? null,
      checksum: record.checksum ?? null,
      compression: record.compression ?? 'gzip',
      startedAt: record.startedAt,
      finishedAt: record.finishedAt ?? null,
      failureReason: record.failureReason ?? null,
      createdBy: record.createdBy ?? null,
    });
  }
}
