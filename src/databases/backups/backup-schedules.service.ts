import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import type { Model } from 'mongoose';
import { createHash } from 'node:crypto';
import type { RequestContext } from '../../common/context/request-context';
import { toObjectId } from '../../common/mongo/object-id';
import { AppConfig } from '../../config/app-config';
import { DatabaseException, DatabaseExceptionReason } from '../database.exception';
import { DatabaseStatus } from '../database.schema';
import { DatabasesService } from '../databases.service';
import { DATABASES_QUEUE, DatabaseJob, type DatabaseJobPayloads } from '../jobs/database-jobs';
import { checkSchedule } from './backup-policy';
import { DatabaseBackupScheduleRecord } from './database-backup-schedule.schema';
import type { ScheduleBackupsInput } from './dto/schedule-backups.input';
import { BackupSchedule } from './models/backup-schedule.model';

/**
 * Bull keys repeatable jobs by `name:jobId:end:tz:cron` and splits that key on colons: the job's id
 * holds none, only the database and a digest of the schedule.
 */
const jobIdPrefix = (databaseId: string): string => `backup-schedule-${databaseId}-`;
const jobIdOf = (databaseId: string, cron: string, timezone: string): string =>
  `${jobIdPrefix(databaseId)}${createHash('sha256').update(`${cron}\n${timezone}`).digest('hex').slice(0, 16)}`;

/**
 * Backup schedules: one per database, a cron in a time zone and a retention, run as a Bull
 * repeatable job in the databases queue so exactly one worker backs the database up each time it
 * comes due. The repeatable job is replaced whenever the schedule changes, and removed when it is
 * disabled or its database is deleted.
 */
@Injectable()
export class BackupSchedulesService {
  private readonly logger = new Logger(BackupSchedulesService.name);

  constructor(
    @InjectModel(DatabaseBackupScheduleRecord.name) private readonly schedules: Model<DatabaseBackupScheduleRecord>,
    @InjectQueue(DATABASES_QUEUE) private readonly queue: Queue<DatabaseJobPayloads[DatabaseJob.SCHEDULED_BACKUP]>,
    private readonly databases: DatabasesService,
    private readonly config: AppConfig,
  ) {}

  /** Sets the database's schedule (checked), and its repeatable job. */
  async set(ctx: RequestContext, input: ScheduleBackupsInput): Promise<BackupSchedule> {
    const database = await this.databases.get(input.databaseId);
    if (database.status === DatabaseStatus.DELETING) {
      // Its schedule would outlive it.
      throw new DatabaseException(
        DatabaseExceptionReason.DATABASE_NOT_AVAILABLE,
        `The database is ${database.status}: it cannot be given a backup schedule`,
        { status: database.status },
      );
    }
    const checked = checkSchedule(input, this.config.DATABASE_BACKUP_MIN_INTERVAL_SECONDS);
    const record = await this.schedules
      .findOneAndUpdate(
        { databaseId: database._id },
        {
          $set: { ...checked, enabled: input.enabled, projectId: database.projectId, updatedBy: ctx.actorId ?? null },
          $setOnInsert: { databaseId: database._id },
        },
        { upsert: true, returnDocument: 'after' },
      )
      .lean<DatabaseBackupScheduleRecord>()
      .exec();
    await this.sync(input.databaseId, record);
    return BackupSchedule.from(record!);
  }

  /** The database's schedule; null when it has none. */
  async get(databaseId: string): Promise<BackupSchedule | null> {
    const record = await this.record(databaseId);
    return record ? BackupSchedule.from(record) : null;
  }

  record(databaseId: string): Promise<DatabaseBackupScheduleRecord | null> {
    return this.schedules
      .findOne({ databaseId: toObjectId(databaseId) })
      .lean<DatabaseBackupScheduleRecord>()
      .exec();
  }

  /** Whether a firing with this cron and zone is the database's schedule as it stands (enabled). */
  async isCurrent(databaseId: string, repeat: { cron?: string; tz?: string | null } | undefined): Promise<boolean> {
    const record = await this.record(databaseId);
    if (!record?.enabled) return false;
    return repeat?.cron === undefined || (repeat.cron === record.cron && (repeat.tz ?? 'UTC') === record.timezone);
  }

  /** Removes the database's schedule and its repeatable job (its database is gone). */
  async remove(databaseId: string): Promise<void> {
    await this.schedules.deleteOne({ databaseId: toObjectId(databaseId) }).exec();
    await this.sync(databaseId, null);
  }

  /** Makes the database's repeatable jobs match its schedule: one when it is enabled, none otherwise. */
  async sync(databaseId: string, record: DatabaseBackupScheduleRecord | null): Promise<void> {
    const wanted = record?.enabled ? jobIdOf(databaseId, record.cron, record.timezone) : null;
    const existing = (await this.queue.getRepeatableJobs()).filter((job) =>
      job.id?.startsWith(jobIdPrefix(databaseId)),
    );
    for (const job of existing) if (job.id !== wanted) await this.queue.removeRepeatableByKey(job.key);
    if (!record || !wanted || existing.some((job) => job.id === wanted)) return;
    await this.queue.add(
      DatabaseJob.SCHEDULED_BACKUP,
      { databaseId },
      {
        jobId: wanted,
        repeat: { cron: record.cron, tz: record.timezone },
        removeOnComplete: true,
        removeOnFail: 20,
      },
    );
    this.logger.debug(`Scheduled backups of ${databaseId} at "${record.cron}" (${record.timezone})`);
  }
}
