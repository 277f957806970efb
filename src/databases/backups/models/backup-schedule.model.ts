import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { nextRunAt } from '../backup-policy';
import type { DatabaseBackupScheduleRecord } from '../database-backup-schedule.schema';

@ObjectType({ description: "A database's backup schedule and how long its backups are kept." })
export class BackupSchedule {
  @Field(() => ID)
  databaseId!: string;

  @Field(() => String, { description: 'Five cron fields, or six with seconds first.' })
  cron!: string;

  @Field(() => String, { description: 'The IANA time zone the cron is read in.' })
  timezone!: string;

  @Field(() => Int, { nullable: true, description: 'Successful backups kept, newest first.' })
  keepLast!: number | null;

  @Field(() => Int, { nullable: true, description: 'Days a successful backup is kept.' })
  keepDays!: number | null;

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => Date, { nullable: true, description: 'When the next scheduled backup starts; null while disabled.' })
  nextRunAt!: Date | null;

  @Field()
  updatedAt!: Date;

  static from(record: DatabaseBackupScheduleRecord, now = new Date()): BackupSchedule {
    return Object.assign(new BackupSchedule(), {
      databaseId: record.databaseId.toHexString(),
      cron: record.cron,
      timezone: record.timezone,
      keepLast: record.keepLast ?? null,
      keepDays: record.keepDays ?? null,
      enabled: record.enabled,
      nextRunAt: record.enabled ? nextRunAt(record.cron, record.timezone, now) : null,
      updatedAt: record.updatedAt,
    });
  }
}
