import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import type { Model } from 'mongoose';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { AccessService } from '../../access/access.service';
import type { RequestContext } from '../../common/context/request-context';
import { EventBus } from '../../common/events/event-bus';
import { newObjectId, toObjectId } from '../../common/mongo/object-id';
import { AppConfig } from '../../config/app-config';
import { DatabaseException, DatabaseExceptionReason } from '../database.exception';
import { DatabaseStatus, type DatabaseRecord } from '../database.schema';
import { DatabasesService } from '../databases.service';
import { DatabaseRestoredEvent } from '../events/database.events';
import { DATABASES_QUEUE, DatabaseJob, type DatabaseJobPayloads } from '../jobs/database-jobs';
import { BackupStatus, DatabaseBackupRecord } from './database-backup.schema';
import { DatabaseOperationLocksService, QUEUED_LOCK_MS } from './database-operation-locks.service';
import { DatabaseRestoreRecord, RestoreStatus } from './database-restore.schema';
import type { RestoreBackupInput } from './dto/restore-backup.input';
import { adminSecrets, failureCode, failureReason } from './failure-reason';
import { DatabaseRestore } from './models/database-restore.model';
import { verifiedCopy, type VerifiedCopy } from './verified-copy';
import { BACKUP_STORE, type BackupStore } from './store/backup-store';

/** How often a running restore writes its progress to its record, at most. */
const PROGRESS_EVERY_MS = 250;

export const restoreHolder = (restoreId: string): string => `restore:${restoreId}`;

/**
 * Restores: a SUCCEEDED backup into its own database, another AVAILABLE database of the project
 * and engine, or a new one made for it. The job verifies the stored file's SHA-256 first (a
 * damaged backup touches nothing), then streams it, gunzipped, into the engine's restore, with
 * progress. It holds the target's lock, as backups do.
 */
@Injectable()
export class DatabaseRestoresService {
  private readonly logger = new Logger(DatabaseRestoresService.name);

  constructor(
    @InjectModel(DatabaseRestoreRecord.name) private readonly restores: Model<DatabaseRestoreRecord>,
    @InjectModel(DatabaseBackupRecord.name) private readonly backups: Model<DatabaseBackupRecord>,
    @InjectQueue(DATABASES_QUEUE) private readonly queue: Queue,
    @Inject(BACKUP_STORE) private readonly store: BackupStore,
    private readonly databases: DatabasesService,
    private readonly locks: DatabaseOperationLocksService,
    private readonly access: AccessService,
    private readonly events: EventBus,
    private readonly config: AppConfig,
  ) {}

  /** Checks the backup and the target, takes the target's lock, stores a QUEUED restore and queues it. */
  async request(ctx: RequestContext, input: RestoreBackupInput): Promise<DatabaseRestore> {
    const backup = await this.backups.findById(toObjectId(input.backupId)).lean<DatabaseBackupRecord>().exec();
    if (!backup) throw new DatabaseException(DatabaseExceptionReason.BACKUP_NOT_FOUND, 'There is no such backup');
    if (backup.status !== BackupStatus.SUCCEEDED) {
      throw new DatabaseException(
        DatabaseExceptionReason.BACKUP_NOT_READY,
        `This backup is ${backup.status}: only a SUCCEEDED backup can be restored`,
        { status: backup.status },
      );
    }
    const newName = input.newDatabaseName ?? null;
    if (newName !== null && input.targetDatabaseId) {
      throw new DatabaseException(
        DatabaseExceptionReason.INVALID_RESTORE_TARGET,
        'Name either a target database or a new database, not both',
      );
    }
    const projectId = backup.projectId.toHexString();
    let target: DatabaseRecord;
    if (newName !== null) {
      await this.access.requireAccess(ctx, 'database:create', projectId);
      target = (
        await this.databases.create(ctx.actorId, { projectId, engine: backup.engine, name: newName }, { queue: false })
      ).database;
    } else {
      target = await this.databases.get(input.targetDatabaseId ?? backup.databaseId.toHexString());
      if (!target.projectId.equals(backup.projectId)) {
        throw new DatabaseException(DatabaseExceptionReason.DATABASE_NOT_FOUND, 'There is no such database');
      }
      if (target.engine !== backup.engine) {
        throw new DatabaseException(
          DatabaseExceptionReason.ENGINE_MISMATCH,
          `A ${backup.engine} backup cannot be restored into a ${target.engine} database`,
          { backupEngine: backup.engine, targetEngine: target.engine },
        );
      }
      if (target.status !== DatabaseStatus.AVAILABLE) {
        throw new DatabaseException(
          DatabaseExceptionReason.DATABASE_NOT_AVAILABLE,
          `The database is ${target.status}: only an AVAILABLE database can be restored into`,
          { status: target.status },
        );
      }
    }
    const id = newObjectId();
    const targetId = target._id.toHexString();
    const { tookOverFrom } = await this.locks.acquire(targetId, restoreHolder(id.toHexString()), QUEUED_LOCK_MS);
    if (tookOverFrom) this.logger.warn(`Restore ${id.toHexString()} took over a stale lock of ${tookOverFrom}`);
    let record: DatabaseRestoreRecord;
    try {
      record = (
        await this.restores.create({
          _id: id,
          projectId: backup.projectId,
          backupId: backup._id,
          sourceDatabaseId: backup.databaseId,
          targetDatabaseId: target._id,
          newDatabase: newName !== null,
          status: RestoreStatus.QUEUED,
          progress: 0,
          createdBy: ctx.actorId ?? null,
        })
      ).toObject<DatabaseRestoreRecord>();
      const payload: DatabaseJobPayloads[DatabaseJob.RESTORE] = { restoreId: id.toHexString() };
      await this.queue.add(DatabaseJob.RESTORE, payload, {
        jobId: `restore-${payload.restoreId}`,
        removeOnComplete: true,
        removeOnFail: 100,
      });
    } catch (error) {
      await this.restores.deleteOne({ _id: id }).exec();
      await this.locks.release(targetId, restoreHolder(id.toHexString()));
      throw error;
    }
    return DatabaseRestore.from(record);
  }

  /**
   * Runs a QUEUED restore (its job). Idempotent: a restore that ended is left as it is; one left
   * RUNNING by a worker that stopped starts again from the beginning (a restore replaces the
   * whole content).
   */
  async run(restoreId: string): Promise<void> {
    const restore = await this.restores.findById(toObjectId(restoreId)).lean<DatabaseRestoreRecord>().exec();
    if (!restore || (restore.status !== RestoreStatus.QUEUED && restore.status !== RestoreStatus.RUNNING)) return;
    const targetId = restore.targetDatabaseId.toHexString();
    let password: string | null = null;
    let outcome: { backup: DatabaseBackupRecord; target: DatabaseRecord };
    try {
      outcome = await this.locks.hold(targetId, restoreHolder(restoreId), async () => {
        await this.restores
          .updateOne(
            { _id: restore._id },
            { $set: { status: RestoreStatus.RUNNING, startedAt: new Date(), progress: 0 } },
          )
          .exec();
        const backup = await this.backups.findById(restore.backupId).lean<DatabaseBackupRecord>().exec();
        if (!backup || backup.status !== BackupStatus.SUCCEEDED) {
          throw new DatabaseException(DatabaseExceptionReason.BACKUP_NOT_FOUND, 'The backup was deleted');
        }
        // Verified before the target is touched, even before a new one is made; the restore reads
        // the verified copy, never the stored file again.
        const copy = await verifiedCopy(this.store, backup.storageKey, {
          sha256: backup.checksum ?? '',
          sizeBytes: backup.sizeBytes ?? -1,
        });
        try {
          let target = await this.databases.get(targetId);
          if (restore.newDatabase && target.status === DatabaseStatus.PROVISIONING) {
            target = await this.databases.provision(targetId);
          }
          if (target.status !== DatabaseStatus.AVAILABLE) {
            throw new DatabaseException(
              DatabaseExceptionReason.DATABASE_NOT_AVAILABLE,
              `The database to restore into is ${target.status}${target.failureReason ? `: ${target.failureReason}` : ''}`,
            );
          }
          // Settles a pending credentials rotation: the engine logs in as the database's user.
          target = await this.databases.requireAvailable(targetId);
          const credentials = this.databases.target(target);
          password = credentials.password;
          try {
            await this.restoreInto(restore, backup, target, credentials, copy);
          } finally {
            await this.dropIfDeleted(target);
          }
          return { backup, target };
        } finally {
          await copy.remove();
        }
      });
    } catch (error) {
      const target = await this.databases.get(targetId).catch(() => null);
      const secrets = target ? adminSecrets(this.config.databaseHosts[target.engine]?.adminUrl) : [];
      if (password) secrets.push(password);
      const reason = failureReason(error, secrets);
      this.logger.warn(`Restore ${restoreId} into database ${targetId} failed: ${reason}`);
      if (restore.newDatabase) await this.provisionLeftOver(targetId);
      await this.restores
        .updateOne(
          { _id: restore._id, status: { $in: [RestoreStatus.QUEUED, RestoreStatus.RUNNING] } },
          {
            $set: {
              status: RestoreStatus.FAILED,
              failureReason: reason,
              failureCode: failureCode(error),
              finishedAt: new Date(),
            },
          },
        )
        .exec();
      return;
    }
    // Marked SUCCEEDED once the lock is let go, as backups are.
    const { backup, target } = outcome;
    await this.restores
      .updateOne(
        { _id: restore._id },
        { $set: { status: RestoreStatus.SUCCEEDED, progress: 1, finishedAt: new Date() } },
      )
      .exec();
    await this.events.publish(
      new DatabaseRestoredEvent(
        restore.projectId.toHexString(),
        restore.createdBy ?? undefined,
        targetId,
        target.name,
        target.engine,
        backup._id.toHexString(),
        backup.trigger,
        { restoreId, sourceDatabaseId: restore.sourceDatabaseId.toHexString() },
      ),
    );
  }

  /**
   * Engines restore by dropping and making the database again: one deleted meanwhile (deletion
   * does not wait for a restore) would be made again on the server behind its record's back. It
   * is dropped again then (dropping is idempotent), and the restore fails.
   */
  private async dropIfDeleted(target: DatabaseRecord): Promise<void> {
    const current = await this.databases.get(target._id.toHexString()).catch((error: unknown) => {
      if (error instanceof DatabaseException && error.reason === DatabaseExceptionReason.DATABASE_NOT_FOUND)
        return null;
      throw error;
    });
    if (current && current.status !== DatabaseStatus.DELETING) return;
    await this.databases.driverOf(target).drop(target);
    throw new DatabaseException(
      DatabaseExceptionReason.DATABASE_NOT_FOUND,
      'The database was deleted while it was restored',
    );
  }

  /**
   * A new database made for a restore that failed before it was provisioned (a damaged backup) is
   * provisioned empty rather than left PROVISIONING: its owner can use it, restore into it or delete it.
   */
  private async provisionLeftOver(databaseId: string): Promise<void> {
    try {
      const database = await this.databases.get(databaseId);
      if (database.status === DatabaseStatus.PROVISIONING) await this.databases.provision(databaseId);
    } catch (error) {
      this.logger.warn(`Could not provision database ${databaseId} after its restore failed: ${failureReason(error)}`);
    }
  }

  /** verified copy → count (progress) → gunzip → the engine's restore. */
  private async restoreInto(
    restore: DatabaseRestoreRecord,
    backup: DatabaseBackupRecord,
    target: DatabaseRecord,
    credentials: ReturnType<DatabasesService['target']>,
    copy: VerifiedCopy,
  ): Promise<void> {
    const total = Math.max(1, backup.sizeBytes ?? 1);
    let read = 0;
    let lastWritten = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const report = (): void => {
      const now = Date.now();
      if (now - lastWritten < PROGRESS_EVERY_MS) return;
      lastWritten = now;
      const progress = Math.min(0.99, read / total);
      writing = writing
        .then(() =>
          this.restores.updateOne({ _id: restore._id, status: RestoreStatus.RUNNING }, { $set: { progress } }).exec(),
        )
        .catch(() => undefined);
    };
    const counting = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        read += chunk.length;
        report();
        callback(null, chunk);
      },
    });
    const source: Readable = copy.read();
    const gunzip = createGunzip();
    const feeding = pipeline(source, counting, gunzip).catch((error: Error) => {
      gunzip.destroy(error);
      throw error;
    });
    const restoring = this.databases
      .driverOf(target)
      .restore(credentials, gunzip)
      .catch((error: Error) => {
        // What the engine no longer reads must not hold the file open, waiting for room.
        source.destroy();
        throw error;
      });
    const [fed, restored] = await Promise.allSettled([feeding, restoring]);
    await writing;
    if (restored.status === 'rejected') throw restored.reason;
    if (fed.status === 'rejected') throw fed.reason;
  }

  async get(restoreId: string): Promise<DatabaseRestore> {
    const record = await this.restores.findById(toObjectId(restoreId)).lean<DatabaseRestoreRecord>().exec();
    if (!record) throw new DatabaseException(DatabaseExceptionReason.BACKUP_NOT_FOUND, 'There is no such restore');
    return DatabaseRestore.from(record);
  }

  async projectOf(restoreId: string): Promise<string | null> {
    const record = await this.restores
      .findById(toObjectId(restoreId), { projectId: 1 })
      .lean<DatabaseRestoreRecord>()
      .exec();
    return record?.projectId.toHexString() ?? null;
  }

  /** Deletes the restores into a database that is gone. */
  async deleteInto(databaseId: string): Promise<void> {
    await this.restores.deleteMany({ targetDatabaseId: toObjectId(databaseId) }).exec();
  }
}
