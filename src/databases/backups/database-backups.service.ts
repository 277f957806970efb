import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import type { Model } from 'mongoose';
import type { RequestContext } from '../../common/context/request-context';
import { EventBus } from '../../common/events/event-bus';
import { isObjectId, newObjectId, toObjectId } from '../../common/mongo/object-id';
import type { Connection } from '../../common/pagination/connection';
import type { PageArgs } from '../../common/pagination/page.args';
import { paginate } from '../../common/pagination/paginate';
import { AppConfig } from '../../config/app-config';
import type { DatabaseEngineName } from '../../config/database-hosts';
import { DatabaseException, DatabaseExceptionReason } from '../database.exception';
import { DatabaseStatus, type DatabaseRecord } from '../database.schema';
import { DatabasesService } from '../databases.service';
import { DatabaseBackupFailedEvent, DatabaseBackupSucceededEvent } from '../events/database.events';
import { DATABASES_QUEUE, DatabaseJob, type DatabaseJobPayloads } from '../jobs/database-jobs';
import { expiredBackups } from './backup-policy';
import { dumpToStore } from './dump-to-store';
import { DatabaseBackupScheduleRecord } from './database-backup-schedule.schema';
import { BackupStatus, BackupTrigger, DatabaseBackupRecord } from './database-backup.schema';
import { DatabaseOperationLocksService, QUEUED_LOCK_MS } from './database-operation-locks.service';
import { DatabaseRestoreRecord, RestoreStatus } from './database-restore.schema';
import { adminSecrets, failureReason } from './failure-reason';
import { DatabaseBackup } from './models/database-backup.model';
import { BACKUP_STORE, type BackupStore, type StoredObject } from './store/backup-store';

/** What each engine's dump is, for the stored file's name. */
const DUMP_SUFFIX: Record<DatabaseEngineName, string> = {
  POSTGRESQL: 'sql',
  MYSQL: 'sql',
  MONGODB: 'jsonl',
  REDIS: 'jsonl',
};

export const backupHolder = (backupId: string): string => `backup:${backupId}`;

/**
 * Backups of managed databases: asked for (createBackup) or made by a schedule, each a job that
 * dumps the database with its engine's driver, gzips the dump and writes it to the backup store,
 * recording its size and SHA-256; then retention. One backup or restore runs per database at a
 * time (`DatabaseOperationLocksService`).
 */
@Injectable()
export class DatabaseBackupsService {
  private readonly logger = new Logger(DatabaseBackupsService.name);

  constructor(
    @InjectModel(DatabaseBackupRecord.name) private readonly backups: Model<DatabaseBackupRecord>,
    @InjectModel(DatabaseBackupScheduleRecord.name) private readonly schedules: Model<DatabaseBackupScheduleRecord>,
    @InjectModel(DatabaseRestoreRecord.name) private readonly restores: Model<DatabaseRestoreRecord>,
    @InjectQueue(DATABASES_QUEUE) private readonly queue: Queue,
    @Inject(BACKUP_STORE) private readonly store: BackupStore,
    private readonly databases: DatabasesService,
    private readonly locks: DatabaseOperationLocksService,
    private readonly events: EventBus,
    private readonly config: AppConfig,
  ) {}

  /** Starts a backup of an AVAILABLE database: a RUNNING record, its job queued. */
  async create(ctx: RequestContext, databaseId: string): Promise<DatabaseBackup> {
    const database = await this.databases.requireAvailable(databaseId);
    const record = await this.start(database, BackupTrigger.MANUAL, ctx.actorId ?? null);
    const payload: DatabaseJobPayloads[DatabaseJob.BACKUP] = { backupId: record._id.toHexString() };
    try {
      await this.queue.add(DatabaseJob.BACKUP, payload, {
        jobId: `backup-${payload.backupId}`,
        removeOnComplete: true,
        removeOnFail: 100,
      });
    } catch (error) {
      await this.backups.deleteOne({ _id: record._id }).exec();
      await this.locks.release(databaseId, backupHolder(payload.backupId));
      throw error;
    }
    return DatabaseBackup.from(record);
  }

  /**
   * A scheduled backup: made and run at once in the schedule's job, or skipped (not failed) when
   * the database is not AVAILABLE or another backup or restore holds it, or 'gone' when the
   * database is deleted or being deleted. Returns what it did.
   */
  async runScheduled(databaseId: string): Promise<'done' | 'skipped' | 'gone'> {
    const database = await this.databases.get(databaseId).catch((error: unknown) => {
      if (error instanceof DatabaseException && error.reason === DatabaseExceptionReason.DATABASE_NOT_FOUND) {
        return null;
      }
      throw error;
    });
    if (!database || database.status === DatabaseStatus.DELETING) {
      this.logger.log(`Skipped the scheduled backup of ${databaseId}: the database is gone`);
      return 'gone';
    }
    if (database.status !== DatabaseStatus.AVAILABLE) {
      this.logger.log(`Skipped the scheduled backup of ${databaseId}: it is not AVAILABLE`);
      return 'skipped';
    }
    let record: DatabaseBackupRecord;
    try {
      record = await this.start(database, BackupTrigger.SCHEDULED, null);
    } catch (error) {
      if (error instanceof DatabaseException && error.reason === DatabaseExceptionReason.OPERATION_IN_PROGRESS) {
        this.logger.log(`Skipped the scheduled backup of ${databaseId}: another backup or restore is running`);
        return 'skipped';
      }
      throw error;
    }
    await this.run(record._id.toHexString());
    return 'done';
  }

  /** The RUNNING record, with the database's lock taken for it (OPERATION_IN_PROGRESS otherwise). */
  private async start(
    database: DatabaseRecord,
    trigger: BackupTrigger,
    createdBy: string | null,
  ): Promise<DatabaseBackupRecord> {
    const id = newObjectId();
    const databaseId = database._id.toHexString();
    const { tookOverFrom } = await this.locks.acquire(databaseId, backupHolder(id.toHexString()), QUEUED_LOCK_MS);
    if (tookOverFrom) await this.abandoned(tookOverFrom);
    try {
      const created = await this.backups.create({
        _id: id,
        projectId: database.projectId,
        databaseId: database._id,
        engine: database.engine,
        status: BackupStatus.RUNNING,
        trigger,
        storageKey: `${database.projectId.toHexString()}/${databaseId}/${id.toHexString()}.${DUMP_SUFFIX[database.engine]}.gz`,
        compression: 'gzip',
        startedAt: new Date(),
        createdBy,
      });
      return created.toObject<DatabaseBackupRecord>();
    } catch (error) {
      await this.locks.release(databaseId, backupHolder(id.toHexString()));
      throw error;
    }
  }

  /**
   * Marks the operation a stale lock was taken from as failed: its worker stopped without
   * finishing it.
   */
  private async abandoned(holder: string): Promise<void> {
    const [kind, id] = holder.split(':');
    if (!isObjectId(id)) return;
    const finished = { finishedAt: new Date(), failureReason: 'The worker running it stopped before it finished' };
    if (kind === 'backup') {
      const backup = await this.backups
        .findOneAndUpdate(
          { _id: toObjectId(id), status: BackupStatus.RUNNING },
          { $set: { status: BackupStatus.FAILED, ...finished } },
        )
        .lean<DatabaseBackupRecord>()
        .exec();
      if (backup) await this.store.delete(backup.storageKey);
    } else if (kind === 'restore') {
      await this.restores
        .updateOne(
          { _id: toObjectId(id), status: { $in: [RestoreStatus.QUEUED, RestoreStatus.RUNNING] } },
          { $set: { status: RestoreStatus.FAILED, ...finished } },
        )
        .exec();
    }
  }

  /**
   * Runs a RUNNING backup (its job): dump → gzip → store, then SUCCEEDED with size and checksum,
   * then retention (best-effort), or FAILED with nothing stored. Idempotent: a backup no longer RUNNING is left as it is.
   */
  async run(backupId: string): Promise<void> {
    const backup = await this.backups.findById(toObjectId(backupId)).lean<DatabaseBackupRecord>().exec();
    if (!backup) return;
    if (backup.status !== BackupStatus.RUNNING) {
      // Ended already (a stale lock taken over): whatever lock it took when asked for goes too.
      await this.locks.release(backup.databaseId.toHexString(), backupHolder(backupId));
      return;
    }
    const databaseId = backup.databaseId.toHexString();
    let databaseName = '';
    let password: string | null = null;
    let outcome: { database: DatabaseRecord; stored: StoredObject };
    try {
      outcome = await this.locks.hold(databaseId, backupHolder(backupId), async () => {
        const database = await this.databases.requireAvailable(databaseId);
        databaseName = database.name;
        const target = this.databases.target(database);
        password = target.password;
        const stored = await this.dumpInto(database, target, backup.storageKey);
        return { database, stored };
      });
    } catch (error) {
      await this.store.delete(backup.storageKey).catch(() => undefined);
      const secrets = [...adminSecrets(this.config.databaseHosts[backup.engine]?.adminUrl)];
      if (password) secrets.push(password);
      const reason = failureReason(error, secrets);
      const failed = await this.backups
        .findOneAndUpdate(
          { _id: backup._id, status: BackupStatus.RUNNING },
          { $set: { status: BackupStatus.FAILED, failureReason: reason, finishedAt: new Date() } },
        )
        .lean<DatabaseBackupRecord>()
        .exec();
      if (!failed) return;
      this.logger.warn(`Backup ${backupId} of database ${databaseId} failed: ${reason}`);
      await this.events.publish(
        new DatabaseBackupFailedEvent(
          backup.projectId.toHexString(),
          backup.createdBy ?? undefined,
          databaseId,
          databaseName,
          backup.engine,
          backupId,
          backup.trigger,
          { reason },
        ),
      );
      return;
    }
    // Marked SUCCEEDED once the lock is let go: a backup that reads SUCCEEDED leaves its database
    // free for the next backup or restore.
    const { database, stored } = outcome;
    const finished = await this.backups
      .findOneAndUpdate(
        { _id: backup._id, status: BackupStatus.RUNNING },
        {
          $set: {
            status: BackupStatus.SUCCEEDED,
            sizeBytes: stored.sizeBytes,
            checksum: stored.sha256,
            finishedAt: new Date(),
          },
        },
        { returnDocument: 'after' },
      )
      .lean<DatabaseBackupRecord>()
      .exec();
    if (!finished) {
      // Deleted meanwhile (deleteBackup, or its database deleted): keep nothing of it.
      await this.store.delete(backup.storageKey);
      return;
    }
    // Once the new backup is committed, and best-effort: a retention that fails never costs it.
    try {
      await this.applyRetention(databaseId, backupId);
    } catch (error) {
      this.logger.warn(`Retention after backup ${backupId} of database ${databaseId} failed: ${failureReason(error)}`);
    }
    await this.events.publish(
      new DatabaseBackupSucceededEvent(
        backup.projectId.toHexString(),
        backup.createdBy ?? undefined,
        databaseId,
        database.name,
        database.engine,
        backupId,
        backup.trigger,
        { sizeBytes: stored.sizeBytes, checksum: stored.sha256 },
      ),
    );
  }

  /** Streams the database's dump, gzipped, into the store under `key`. */
  private dumpInto(
    database: DatabaseRecord,
    target: ReturnType<DatabasesService['target']>,
    key: string,
  ): Promise<StoredObject> {
    const driver = this.databases.driverOf(database);
    return dumpToStore(this.store, key, (out) => driver.dump(target, out));
  }

  /**
   * Retention once `justMade` is stored (it counts as SUCCEEDED), when the database has a schedule
   * (enabled or not): `expiredBackups` says which go; their files first, then their records.
   */
  async applyRetention(databaseId: string, justMade: string): Promise<number> {
    const schedule = await this.schedules
      .findOne({ databaseId: toObjectId(databaseId) })
      .lean<DatabaseBackupScheduleRecord>()
      .exec();
    if (!schedule) return 0;
    const all = await this.backups
      .find({ databaseId: toObjectId(databaseId) }, { _id: 1, status: 1, startedAt: 1, storageKey: 1 })
      .lean<DatabaseBackupRecord[]>()
      .exec();
    const expired = new Set(
      expiredBackups(
        all.map((backup) => ({
          id: backup._id.toHexString(),
          status: backup._id.toHexString() === justMade ? BackupStatus.SUCCEEDED : backup.status,
          startedAt: backup.startedAt,
        })),
        { keepLast: schedule.keepLast ?? null, keepDays: schedule.keepDays ?? null },
        justMade,
      ),
    );
    let removed = 0;
    for (const backup of all) {
      if (!expired.has(backup._id.toHexString())) continue;
      if (await this.restoring(backup._id)) continue;
      await this.store.delete(backup.storageKey);
      await this.backups.deleteOne({ _id: backup._id }).exec();
      removed++;
    }
    return removed;
  }

  /** Whether a restore of the backup is queued or running (its file is then kept). */
  private async restoring(backupId: DatabaseBackupRecord['_id']): Promise<boolean> {
    const found = await this.restores
      .exists({ backupId, status: { $in: [RestoreStatus.QUEUED, RestoreStatus.RUNNING] } })
      .exec();
    return found !== null;
  }

  list(databaseId: string, page: PageArgs): Promise<Connection<DatabaseBackup>> {
    return paginate(this.backups, { databaseId: toObjectId(databaseId) }, page, (record) =>
      DatabaseBackup.from(record),
    );
  }

  async get(backupId: string): Promise<DatabaseBackup> {
    return DatabaseBackup.from(await this.record(backupId));
  }

  /** The backup's record; BACKUP_NOT_FOUND when there is none. */
  async record(backupId: string): Promise<DatabaseBackupRecord> {
    const record = await this.backups.findById(toObjectId(backupId)).lean<DatabaseBackupRecord>().exec();
    if (!record) throw new DatabaseException(DatabaseExceptionReason.BACKUP_NOT_FOUND, 'There is no such backup');
    return record;
  }

  async projectOf(backupId: string): Promise<string | null> {
    const record = await this.backups
      .findById(toObjectId(backupId), { projectId: 1 })
      .lean<DatabaseBackupRecord>()
      .exec();
    return record?.projectId.toHexString() ?? null;
  }

  /**
   * Deletes a backup: its file, then its record. A backup still running, or being restored, is
   * kept until it ends (OPERATION_IN_PROGRESS): its job holds the database's lock.
   */
  async delete(backupId: string): Promise<boolean> {
    const record = await this.record(backupId);
    if (record.status === BackupStatus.RUNNING) {
      throw new DatabaseException(
        DatabaseExceptionReason.OPERATION_IN_PROGRESS,
        'This backup is still running; delete it once it has finished',
      );
    }
    if (await this.restoring(record._id)) {
      throw new DatabaseException(
        DatabaseExceptionReason.OPERATION_IN_PROGRESS,
        'This backup is being restored; delete it once the restore has finished',
      );
    }
    await this.store.delete(record.storageKey);
    await this.backups.deleteOne({ _id: record._id }).exec();
    return true;
  }

  /** Deletes every backup of a database (files, then records): its database is gone. */
  async deleteAllOf(databaseId: string): Promise<number> {
    const all = await this.backups
      .find({ databaseId: toObjectId(databaseId) }, { _id: 1, storageKey: 1 })
      .lean<DatabaseBackupRecord[]>()
      .exec();
    for (const backup of all) {
      await this.store.delete(backup.storageKey);
      await this.backups.deleteOne({ _id: backup._id }).exec();
    }
    return all.length;
  }
}
