import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { BackupSchedulesService } from '../backups/backup-schedules.service';
import { DatabaseBackupsService } from '../backups/database-backups.service';
import { DatabaseRestoresService } from '../backups/database-restores.service';
import { DATABASES_QUEUE, DatabaseJob, type DatabaseJobPayloads } from './database-jobs';

/** Backups and restores one worker runs at once (each on another database: they hold its lock). */
const CONCURRENCY = 2;

/** Backups (on demand and scheduled) and restores. Each handler is idempotent. */
@Processor(DATABASES_QUEUE)
export class DatabaseBackupsProcessor {
  constructor(
    private readonly backups: DatabaseBackupsService,
    private readonly restores: DatabaseRestoresService,
    private readonly schedules: BackupSchedulesService,
  ) {}

  @Process({ name: DatabaseJob.BACKUP, concurrency: CONCURRENCY })
  backup(job: Job<DatabaseJobPayloads[DatabaseJob.BACKUP]>): Promise<void> {
    return this.backups.run(job.data.backupId);
  }

  @Process({ name: DatabaseJob.RESTORE, concurrency: CONCURRENCY })
  restore(job: Job<DatabaseJobPayloads[DatabaseJob.RESTORE]>): Promise<void> {
    return this.restores.run(job.data.restoreId);
  }

  /**
   * A schedule firing: a SCHEDULED backup, or nothing when the schedule changed or went meanwhile;
   * the schedule is removed when its database is gone.
   */
  @Process({ name: DatabaseJob.SCHEDULED_BACKUP, concurrency: CONCURRENCY })
  async scheduled(job: Job<DatabaseJobPayloads[DatabaseJob.SCHEDULED_BACKUP]>): Promise<string> {
    const { databaseId } = job.data;
    const repeat = job.opts.repeat as { cron?: string; tz?: string | null } | undefined;
    if (!(await this.schedules.isCurrent(databaseId, repeat))) {
      await this.schedules.sync(databaseId, await this.schedules.record(databaseId));
      return 'stale';
    }
    const done = await this.backups.runScheduled(databaseId);
    // A schedule must not outlive its database: it and its repeatable job go.
    if (done === 'gone') await this.schedules.remove(databaseId);
    return done;
  }
}
