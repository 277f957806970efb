import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKeyError } from '../../common/mongo/mongo-errors';
import { toObjectId } from '../../common/mongo/object-id';
import { DatabaseException, DatabaseExceptionReason } from '../database.exception';
import { DatabaseOperationLockRecord } from './database-operation-lock.schema';

/** How long a lock taken for a queued operation lasts before its job starts (and renews it). */
export const QUEUED_LOCK_MS = 15 * 60_000;
/** How long a running operation's lock lasts without being renewed: a dead worker's lets go then. */
export const RUNNING_LOCK_MS = 60_000;
const RENEW_EVERY_MS = 15_000;

/** What `acquire` took: the lock, and the holder it took over from when that one's lock was stale. */
export interface AcquiredLock {
  readonly tookOverFrom: string | null;
}

/**
 * One backup or restore at a time per database, across every process: a lock document per
 * database (unique index on databaseId). Taken when the operation is asked for, taken again by
 * its job (same holder) and renewed while it runs, released in `finally`. A lock not renewed in
 * time (a worker that died) is stale and the next operation takes it over.
 */
@Injectable()
export class DatabaseOperationLocksService {
  private readonly logger = new Logger(DatabaseOperationLocksService.name);

  constructor(
    @InjectModel(DatabaseOperationLockRecord.name) private readonly locks: Model<DatabaseOperationLockRecord>,
  ) {}

  /** Takes the database's lock for `holder`; OPERATION_IN_PROGRESS when another holds it. */
  async acquire(databaseId: string, holder: string, ttlMs: number): Promise<AcquiredLock> {
    const now = new Date();
    const expiresAt = new Date(now.getTime() + ttlMs);
    try {
      await this.locks.create({ databaseId: toObjectId(databaseId), holder, acquiredAt: now, expiresAt });
      return { tookOverFrom: null };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const previous = await this.locks
      .findOneAndUpdate(
        { databaseId: toObjectId(databaseId), $or: [{ holder }, { expiresAt: { $lte: now } }] },
        { $set: { holder, acquiredAt: now, expiresAt } },
        { returnDocument: 'before' },
      )
      .lean<DatabaseOperationLockRecord>()
      .exec();
    if (!previous) {
      throw new DatabaseException(
        DatabaseExceptionReason.OPERATION_IN_PROGRESS,
        'A backup or restore of this database is already running; try again once it has finished',
      );
    }
    if (previous.holder !== holder) this.logger.warn(`Took over the stale lock of ${previous.holder}`);
    return { tookOverFrom: previous.holder === holder ? null : previous.holder };
  }

  /** Lets the lock go, if `holder` still has it. */
  async release(databaseId: string, holder: string): Promise<void> {
    await this.locks.deleteOne({ databaseId: toObjectId(databaseId), holder }).exec();
  }

  /** Whoever holds the database's lock now (stale or not); null when nobody does. */
  async holderOf(databaseId: string): Promise<string | null> {
    const lock = await this.locks
      .findOne({ databaseId: toObjectId(databaseId) })
      .lean<DatabaseOperationLockRecord>()
      .exec();
    return lock?.holder ?? null;
  }

  /**
   * Runs `work` holding the lock `holder` already took (or takes it now), renewing it while
   * `work` runs and releasing it after, whatever happens.
   */
  async hold<T>(databaseId: string, holder: string, work: () => Promise<T>): Promise<T> {
    await this.acquire(databaseId, holder, RUNNING_LOCK_MS);
    const timer = setInterval(() => {
      void this.locks
        .updateOne(
          { databaseId: toObjectId(databaseId), holder },
          { $set: { expiresAt: new Date(Date.now() + RUNNING_LOCK_MS) } },
        )
        .exec()
        .catch((error: Error) => this.logger.warn(`Could not renew the lock of ${holder}: ${error.message}`));
    }, RENEW_EVERY_MS);
    timer.unref();
    try {
      return await work();
    } finally {
      clearInterval(timer);
      await this.release(databaseId, holder).catch((error: Error) =>
        this.logger.warn(`Could not release the lock of ${holder}: ${error.message}`),
      );
    }
  }
}
