import { InjectQueue } from '@nestjs/bull';
import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import type { Model } from 'mongoose';
import { EncryptionService } from '../common/crypto/encryption.service';
import { EventBus } from '../common/events/event-bus';
import { isDuplicateKeyError } from '../common/mongo/mongo-errors';
import { isObjectId, newObjectId, toObjectId } from '../common/mongo/object-id';
import type { Connection } from '../common/pagination/connection';
import { paginate } from '../common/pagination/paginate';
import type { PageArgs } from '../common/pagination/page.args';
import { AppConfig } from '../config/app-config';
import { ProjectsService } from '../projects/projects.service';
import { DATABASE_ENGINES, type DatabaseEngineName } from '../config/database-hosts';
import { DatabaseException, DatabaseExceptionReason } from './database.exception';
import { checkDatabaseName, newDatabasePassword, scrub, serverNames } from './database-names';
import { DatabaseRecord, DatabaseStatus } from './database.schema';
import type { DatabaseEngineDriver, DatabaseTarget } from './engines/database-engine';
import { DatabaseEnginesService } from './engines/database-engines.service';
import { DatabaseCreatedEvent, DatabaseDeletedEvent } from './events/database.events';
import { DATABASES_QUEUE, DatabaseJob, type DatabaseJobPayloads } from './jobs/database-jobs';
import { Database, DatabaseCredentials } from './models/database.model';

/** What the encryption calls a database user's password. */
const PASSWORD_PURPOSE = 'databases.password';

/** How long a provisioning run holds its database unless it renews the lease (it does, while it works). */
export const PROVISIONING_LEASE_MS = 60_000;

/** A PROVISIONING database older than this with no live lease has lost its job: the sweeper re-queues it. */
export const STUCK_PROVISIONING_MS = 5 * 60_000;

/** The longest the sweeper waits before queuing a stuck database's job again. */
const SWEEP_MAX_BACKOFF_MS = 60 * 60_000;

/** What one sweep did. */
export interface SweepResult {
  provisioning: number;
  deleting: number;
  orphaned: number;
}

/** How long a rotation holds a database's credentials at most (a crashed one lets go then). */
export const ROTATION_LEASE_MS = 60_000;

/** What `create` is given: where, which engine, and the name users see. */
export interface CreateDatabaseRequest {
  projectId: string;
  engine: DatabaseEngineName;
  name: string;
}

/**
 * Managed databases: their records, provisioning on their engine's server, credentials (encrypted
 * with the platform key ring), deletion. Exported for the backups, which reach a database's
 * server only through `target` and `driverOf`.
 */
@Injectable()
export class DatabasesService {
  private readonly logger = new Logger(DatabasesService.name);

  constructor(
    @InjectModel(DatabaseRecord.name) private readonly databases: Model<DatabaseRecord>,
    @InjectQueue(DATABASES_QUEUE) private readonly queue: Queue,
    private readonly engines: DatabaseEnginesService,
    private readonly encryption: EncryptionService,
    private readonly events: EventBus,
    private readonly config: AppConfig,
    private readonly projects: ProjectsService,
  ) {
    encryption.register({
      name: 'databases.password',
      model: databases,
      field: 'passwordEncrypted',
      purpose: PASSWORD_PURPOSE,
    });
    encryption.register({
      name: 'databases.pendingPassword',
      model: databases,
      field: 'pendingPasswordEncrypted',
      purpose: PASSWORD_PURPOSE,
    });
  }

  /**
   * Stores a new PROVISIONING database (name checked, unique in the project; credentials made and
   * encrypted) and, unless `queue` is false, queues its provisioning job. With `queue: false` the
   * caller runs `provision` itself (a restore into a new database does, inside its own job).
   * Returns the record and its connection string (the only time it is returned unasked).
   */
  async create(
    actorId: string | undefined,
    request: CreateDatabaseRequest,
    options: { queue?: boolean } = {},
  ): Promise<{ database: DatabaseRecord; connectionString: string }> {
    if (!(DATABASE_ENGINES as readonly string[]).includes(request.engine)) {
      throw new DatabaseException(
        DatabaseExceptionReason.UNKNOWN_ENGINE,
        `The engine is one of ${DATABASE_ENGINES.join(', ')}`,
      );
    }
    const name = checkDatabaseName(request.name);
    // ENGINE_UNAVAILABLE before anything is stored.
    const driver = this.engines.driver(request.engine);
    const id = newObjectId();
    const password = newDatabasePassword();
    let record: DatabaseRecord;
    try {
      record = (
        await this.databases.create({
          _id: id,
          projectId: toObjectId(request.projectId),
          name,
          engine: request.engine,
          status: DatabaseStatus.PROVISIONING,
          ...serverNames(id),
          passwordEncrypted: this.encryption.encrypt(password, PASSWORD_PURPOSE),
          pendingPasswordEncrypted: null,
          createdBy: actorId ?? null,
        })
      ).toObject<DatabaseRecord>();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw this.nameTaken(name);
      throw error;
    }
    if (options.queue !== false) {
      try {
        await this.enqueue(DatabaseJob.PROVISION, { databaseId: id.toHexString() });
      } catch (error) {
        // Nothing is on the server yet: without its job the record would stay PROVISIONING for ever.
        await this.databases.deleteOne({ _id: id }).exec();
        throw error;
      }
    }
    const connectionString = driver.connectionString({ ...serverNames(id), password });
    return { database: record, connectionString };
  }

  /**
   * Provisions a PROVISIONING database on its server and makes it AVAILABLE (announcing
   * database.created), or FAILED with nothing left on the server. Idempotent: a database no
   * longer PROVISIONING is returned as it is.
   */
  async provision(databaseId: string): Promise<DatabaseRecord> {
    const found = await this.get(databaseId);
    if (found.status !== DatabaseStatus.PROVISIONING) return found;
    // Only the run holding the lease touches the server: a run Bull started again while the first
    // still works finds the lease taken and leaves the database to it.
    const token = randomUUID();
    const record = await this.databases
      .findOneAndUpdate(
        {
          _id: found._id,
          status: DatabaseStatus.PROVISIONING,
          $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: { $lte: new Date() } }],
        },
        { $set: { leaseOwner: token, leaseExpiresAt: new Date(Date.now() + PROVISIONING_LEASE_MS) } },
        { returnDocument: 'after' },
      )
      .lean<DatabaseRecord>()
      .exec();
    if (!record) return (await this.databases.findById(found._id).lean<DatabaseRecord>().exec()) ?? found;
    const renewal = setInterval(() => {
      this.databases
        .updateOne(
          { _id: record._id, leaseOwner: token },
          { $set: { leaseExpiresAt: new Date(Date.now() + PROVISIONING_LEASE_MS) } },
        )
        .exec()
        .catch((error: unknown) => this.logger.warn(`Could not renew a provisioning lease: ${String(error)}`));
    }, PROVISIONING_LEASE_MS / 3);
    try {
      return await this.provisionLeased(record, token);
    } finally {
      clearInterval(renewal);
    }
  }

  /** `provision`, for the run holding the lease `token`. */
  private async provisionLeased(record: DatabaseRecord, token: string): Promise<DatabaseRecord> {
    const databaseId = record._id.toHexString();
    const target = this.target(record);
    let driver: DatabaseEngineDriver;
    try {
      driver = this.driverOf(record);
      await driver.provision(target);
    } catch (error) {
      return this.failProvisioning(record, token, target, error);
    }
    const available = await this.databases
      .findOneAndUpdate(
        { _id: record._id, status: DatabaseStatus.PROVISIONING, leaseOwner: token },
        { $set: { status: DatabaseStatus.AVAILABLE, failureReason: null, leaseOwner: null, leaseExpiresAt: null } },
        { returnDocument: 'after' },
      )
      .lean<DatabaseRecord>()
      .exec();
    if (!available) {
      const current = await this.databases.findById(record._id).lean<DatabaseRecord>().exec();
      // Deleted while it was being made: the deletion may have dropped it before it existed, so
      // what was just made goes too. (Still PROVISIONING: another run holds the lease and owns it.)
      if (!current || current.status === DatabaseStatus.DELETING) {
        await this.dropQuietly(record, 'provisioned after its deletion');
      }
      return current ?? record;
    }
    await this.events.publish(
      new DatabaseCreatedEvent(
        record.projectId.toHexString(),
        record.createdBy ?? undefined,
        databaseId,
        record.name,
        record.engine,
      ),
    );
    return available;
  }

  /** The database; DATABASE_NOT_FOUND when there is none (or it is gone). */
  async get(databaseId: string): Promise<DatabaseRecord> {
    const record = isObjectId(databaseId)
      ? await this.databases.findById(toObjectId(databaseId)).lean<DatabaseRecord>().exec()
      : null;
    if (!record) throw new DatabaseException(DatabaseExceptionReason.DATABASE_NOT_FOUND, 'There is no such database');
    return record;
  }

  /** The database when it is AVAILABLE; DATABASE_NOT_AVAILABLE otherwise. */
  async requireAvailable(databaseId: string): Promise<DatabaseRecord> {
    const record = await this.get(databaseId);
    if (record.status !== DatabaseStatus.AVAILABLE) {
      throw new DatabaseException(
        DatabaseExceptionReason.DATABASE_NOT_AVAILABLE,
        `The database is ${record.status}, not AVAILABLE`,
        { status: record.status },
      );
    }
    if (!record.pendingPasswordEncrypted) return record;
    if (record.rotationLeaseUntil && record.rotationLeaseUntil > new Date()) throw this.rotating();
    return this.settlePassword(record);
  }

  /** The database as its server knows it, with its password decrypted (held in memory only). */
  target(database: DatabaseRecord): DatabaseTarget {
    return {
      databaseName: database.databaseName,
      username: database.username,
      password: this.encryption.decrypt(database.passwordEncrypted, PASSWORD_PURPOSE),
    };
  }

  /** The driver of the database's engine. */
  driverOf(database: Pick<DatabaseRecord, 'engine'>): DatabaseEngineDriver {
    return this.engines.driver(database.engine);
  }

  /**
   * Runs `work` against the database's server, for what users asked: a `DatabaseException` the
   * driver raises goes to them with any credential and the admin address scrubbed from it; a
   * failure to reach the server, or anything else, is logged (scrubbed) and becomes
   * HOST_UNAVAILABLE with a generic message.
   */
  async onServer<T>(database: DatabaseRecord, what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.publicError(database, what, error);
    }
  }

  /** `error` as users may see it (see `onServer`). */
  publicError(database: DatabaseRecord, what: string, error: unknown): DatabaseException {
    const secrets = this.secretsOf(database);
    if (error instanceof DatabaseException && error.reason !== DatabaseExceptionReason.HOST_UNAVAILABLE) {
      const message = scrub(error.message, secrets);
      return message === error.message ? error : new DatabaseException(error.reason, message, error.details);
    }
    this.logger.warn(
      `Could not ${what} database ${database._id.toHexString()} on the ${database.engine} server: ${scrub(
        String((error as Error)?.message ?? error),
        secrets,
      )}`,
    );
    return new DatabaseException(
      DatabaseExceptionReason.HOST_UNAVAILABLE,
      `The ${database.engine} server could not be reached or refused the platform's request; try again later`,
    );
  }

  // ---- The API's operations -------------------------------------------------------------------

  /** The database as the API shows it (where users connect; never its password). */
  present(record: DatabaseRecord): Database {
    return Database.from(record, this.config.databaseHosts[record.engine]);
  }

  async list(projectId: string, page: PageArgs): Promise<Connection<Database>> {
    return paginate(this.databases, { projectId: toObjectId(projectId) }, page, (record) => this.present(record));
  }

  /** Gives a database another name (the platform's label; its names on the server stay). */
  async rename(databaseId: string, name: string): Promise<Database> {
    checkDatabaseName(name);
    const record = await this.get(databaseId);
    if (record.status === DatabaseStatus.DELETING) throw this.notAvailable(record.status);
    let updated: DatabaseRecord | null;
    try {
      updated = await this.databases
        .findOneAndUpdate(
          { _id: record._id, status: { $ne: DatabaseStatus.DELETING } },
          { $set: { name } },
          { returnDocument: 'after' },
        )
        .lean<DatabaseRecord>()
        .exec();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw this.nameTaken(name);
      throw error;
    }
    if (!updated) throw this.notAvailable(DatabaseStatus.DELETING);
    return this.present(updated);
  }

  /**
   * Marks the database DELETING and queues the job that drops it and its user from the server,
   * then removes its record. Any status deletes (a FAILED one too); asking again re-queues it.
   */
  async delete(databaseId: string): Promise<Database> {
    const deleting = await this.markDeleting(await this.get(databaseId));
    await this.enqueue(DatabaseJob.DELETE, { databaseId });
    return this.present(deleting);
  }

  /**
   * Makes the database DELETING, remembering what it was (unless it already was DELETING), and
   * frees its name for a new database.
   */
  private async markDeleting(record: DatabaseRecord): Promise<DatabaseRecord> {
    let current: DatabaseRecord | null = record;
    // A status changing under it (a provisioning ending) is read again; a few times is plenty.
    for (let attempt = 0; attempt < 5 && current; attempt += 1) {
      if (current.status === DatabaseStatus.DELETING) return current;
      const deleting = await this.databases
        .findOneAndUpdate(
          { _id: current._id, status: current.status },
          {
            $set: {
              status: DatabaseStatus.DELETING,
              statusBeforeDeletion: current.status,
              // The name is free again at once; the models keep showing this one.
              deletedName: current.name,
              name: `~deleted-${current._id.toHexString()}`,
            },
          },
          { returnDocument: 'after' },
        )
        .lean<DatabaseRecord>()
        .exec();
      if (deleting) return deleting;
      current = await this.databases.findById(current._id).lean<DatabaseRecord>().exec();
    }
    if (!current) throw new DatabaseException(DatabaseExceptionReason.DATABASE_NOT_FOUND, 'There is no such database');
    throw new DatabaseException(
      DatabaseExceptionReason.OPERATION_IN_PROGRESS,
      'The database kept changing under this request; try again',
    );
  }

  /**
   * The DELETE job: drops a DELETING database and its user from the server, then its record, and
   * announces database.deleted. When the server cannot be reached, the record stays DELETING with
   * the reason; deleting it again retries.
   */
  async remove(databaseId: string): Promise<boolean> {
    const record = isObjectId(databaseId)
      ? await this.databases.findById(toObjectId(databaseId)).lean<DatabaseRecord>().exec()
      : null;
    if (!record || record.status !== DatabaseStatus.DELETING) return false;
    try {
      await this.driverOf(record).drop(record);
    } catch (error) {
      const failure = this.publicError(record, 'drop', error);
      if (record.statusBeforeDeletion === DatabaseStatus.FAILED && !record.cleanupPending) {
        // Its failed provisioning already dropped what it had made: the record goes all the same,
        // rather than waiting for a server that may never come back. (When that drop failed, the
        // record waits like any other: its user may still hold the password.)
        this.logger.warn(`Forgot FAILED database ${databaseId} without dropping it again: ${failure.message}`);
        return this.forget(record);
      }
      await this.databases
        .updateOne(
          { _id: record._id, status: DatabaseStatus.DELETING },
          { $set: { failureReason: `Deleting it failed: ${failure.message}` } },
        )
        .exec();
      return false;
    }
    return this.forget(record);
  }

  /** Removes a DELETING database's record and announces database.deleted. */
  private async forget(record: DatabaseRecord): Promise<boolean> {
    const databaseId = record._id.toHexString();
    const removed = await this.databases
      .findOneAndDelete({ _id: record._id, status: DatabaseStatus.DELETING })
      .lean<DatabaseRecord>()
      .exec();
    if (!removed) return false;
    await this.events.publish(
      new DatabaseDeletedEvent(
        record.projectId.toHexString(),
        undefined,
        databaseId,
        record.deletedName ?? record.name,
        record.engine,
      ),
    );
    return true;
  }

  /** Every database of a project that is gone: each is marked DELETING and its DELETE job queued. */
  async forgetProject(projectId: string): Promise<number> {
    const records = await this.databases
      .find({ projectId: toObjectId(projectId) })
      .lean<DatabaseRecord[]>()
      .exec();
    for (const record of records) {
      await this.markDeleting(record).catch((error: unknown) => {
        if (!(error instanceof DatabaseException)) throw error;
      });
      await this.enqueue(DatabaseJob.DELETE, { databaseId: record._id.toHexString() });
    }
    return records.length;
  }

  /**
   * Queues again the jobs nothing else would: `provision` for databases PROVISIONING for more than
   * STUCK_PROVISIONING_MS with no live lease, `delete` for DELETING ones (each backing off, doubling
   * from DATABASE_SWEEP_INTERVAL_MS up to an hour, while its host stays down), and marks DELETING the
   * databases of projects that no longer exist (covering a project deleted while one was being
   * created, and a deletion announcement that was missed).
   */
  async sweep(now = new Date()): Promise<SweepResult> {
    const due = { $or: [{ nextAttemptAt: null }, { nextAttemptAt: { $lte: now } }] };
    const stuck = await this.databases
      .find({
        $and: [
          due,
          {
            $or: [
              { status: DatabaseStatus.DELETING },
              {
                status: DatabaseStatus.PROVISIONING,
                createdAt: { $lte: new Date(now.getTime() - STUCK_PROVISIONING_MS) },
                $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: { $lte: now } }],
              },
            ],
          },
        ],
      })
      .limit(500)
      .lean<DatabaseRecord[]>()
      .exec();
    const result: SweepResult = { provisioning: 0, deleting: 0, orphaned: 0 };
    for (const record of stuck) {
      const attempts = record.sweepAttempts ?? 0;
      const backoff = Math.min(
        this.config.DATABASE_SWEEP_INTERVAL_MS * 2 ** Math.min(attempts, 20),
        SWEEP_MAX_BACKOFF_MS,
      );
      const claimed = await this.databases
        .updateOne(
          { _id: record._id, status: record.status, sweepAttempts: attempts === 0 ? { $in: [0, null] } : attempts },
          { $set: { nextAttemptAt: new Date(now.getTime() + backoff) }, $inc: { sweepAttempts: 1 } },
        )
        .exec();
      if (claimed.modifiedCount !== 1) continue;
      const databaseId = record._id.toHexString();
      if (record.status === DatabaseStatus.DELETING) {
        await this.enqueue(DatabaseJob.DELETE, { databaseId });
        result.deleting += 1;
      } else {
        await this.enqueue(DatabaseJob.PROVISION, { databaseId });
        result.provisioning += 1;
      }
    }
    const projectIds = await this.databases.distinct('projectId', { status: { $ne: DatabaseStatus.DELETING } }).exec();
    for (const projectId of projectIds as unknown as { toHexString(): string }[]) {
      const id = projectId.toHexString();
      if (await this.projects.exists(id)) continue;
      this.logger.warn(`Deleting the databases of project ${id}, which no longer exists`);
      result.orphaned += await this.forgetProject(id);
    }
    return result;
  }

  /**
   * Gives the database's user a new password and returns the new credentials. The new password is
   * stored (as pending) before the server is given it, so whatever happens in between a working
   * password is stored: see `settlePassword`.
   */
  async rotate(databaseId: string): Promise<DatabaseCredentials> {
    const current = await this.requireAvailable(databaseId);
    const password = newDatabasePassword();
    const sealed = this.encryption.encrypt(password, PASSWORD_PURPOSE);
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + ROTATION_LEASE_MS);
    const pending = await this.databases
      .findOneAndUpdate(
        {
          _id: current._id,
          status: DatabaseStatus.AVAILABLE,
          pendingPasswordEncrypted: null,
          $or: [{ rotationLeaseUntil: null }, { rotationLeaseUntil: { $lte: now } }],
        },
        { $set: { pendingPasswordEncrypted: sealed, rotationLeaseUntil: leaseUntil } },
        { returnDocument: 'after' },
      )
      .lean<DatabaseRecord>()
      .exec();
    if (!pending) throw this.rotating();
    try {
      return this.credentials(await this.settlePassword(pending));
    } finally {
      await this.databases
        .updateOne({ _id: current._id, rotationLeaseUntil: leaseUntil }, { $set: { rotationLeaseUntil: null } })
        .exec();
    }
  }

  /** The database's credentials, for whoever may run statements as it (audited as a mutation). */
  async reveal(databaseId: string): Promise<DatabaseCredentials> {
    return this.credentials(await this.requireAvailable(databaseId));
  }

  /** The project a database belongs to, for the access guard. */
  async projectOf(databaseId: string): Promise<string | null> {
    if (!isObjectId(databaseId)) return null;
    const record = await this.databases
      .findById(toObjectId(databaseId), { projectId: 1 })
      .lean<DatabaseRecord>()
      .exec();
    return record ? record.projectId.toHexString() : null;
  }

  // ---- Helpers ----------------------------------------------------------------------------------

  private credentials(record: DatabaseRecord): DatabaseCredentials {
    const target = this.target(record);
    const host = this.config.databaseHosts[record.engine];
    return Object.assign(new DatabaseCredentials(), {
      username: target.username,
      password: target.password,
      host: host?.host ?? null,
      port: host?.port ?? null,
      databaseName: target.databaseName,
      connectionString: this.driverOf(record).connectionString(target),
    });
  }

  /**
   * Finishes a rotation: gives the server the pending password (the admin sets it, so this works
   * whichever of the two the server holds now), then makes it the stored password. Until the
   * second write, the stored record holds both the old password and the new one, and the server
   * one of them: a crash anywhere leaves a working password stored, and the next use finishes.
   */
  private async settlePassword(record: DatabaseRecord): Promise<DatabaseRecord> {
    const sealed = record.pendingPasswordEncrypted;
    if (!sealed) return record;
    const target = { ...this.target(record), password: this.encryption.decrypt(sealed, PASSWORD_PURPOSE) };
    await this.onServer(record, 'set the password of', () => this.driverOf(record).setPassword(target));
    // Deleted while the server was given the password: setting it may have made the user again
    // (Redis's ACL SETUSER does) after the deletion dropped it, so it goes again.
    const current = await this.databases.findById(record._id).lean<DatabaseRecord>().exec();
    if (!current || current.status === DatabaseStatus.DELETING) {
      await this.dropQuietly(record, 'password set after its deletion', target);
      throw current ? this.notAvailable(current.status) : this.notFound();
    }
    const settled = await this.databases
      .findOneAndUpdate(
        { _id: record._id, pendingPasswordEncrypted: sealed },
        { $set: { passwordEncrypted: sealed, pendingPasswordEncrypted: null, credentialsRotatedAt: new Date() } },
        { returnDocument: 'after' },
      )
      .lean<DatabaseRecord>()
      .exec();
    // Another request settled it first: the same password, already stored.
    return settled ?? (await this.get(record._id.toHexString()));
  }

  /**
   * Makes a database whose provisioning failed FAILED, under the lease `token`, then drops what was
   * made. Until the drop succeeds the record says `cleanupPending`, so that deleting it drops it.
   */
  private async failProvisioning(
    record: DatabaseRecord,
    token: string,
    target: DatabaseTarget,
    error: unknown,
  ): Promise<DatabaseRecord> {
    const failure = this.publicError(record, 'provision', error);
    const failed = await this.databases
      .findOneAndUpdate(
        { _id: record._id, status: DatabaseStatus.PROVISIONING, leaseOwner: token },
        {
          $set: {
            status: DatabaseStatus.FAILED,
            failureReason: failure.message,
            cleanupPending: true,
            leaseOwner: null,
            leaseExpiresAt: null,
          },
        },
        { returnDocument: 'after' },
      )
      .lean<DatabaseRecord>()
      .exec();
    if (!failed) {
      const current = await this.databases.findById(record._id).lean<DatabaseRecord>().exec();
      // Deleted meanwhile: its deletion may have run before this made anything.
      if (!current || current.status === DatabaseStatus.DELETING) {
        await this.dropQuietly(record, 'provisioning failed after its deletion', target);
      }
      return current ?? record;
    }
    if (!(await this.dropQuietly(record, 'provisioning failed', target))) return failed;
    return (
      (await this.databases
        .findOneAndUpdate({ _id: record._id }, { $set: { cleanupPending: false } }, { returnDocument: 'after' })
        .lean<DatabaseRecord>()
        .exec()) ?? failed
    );
  }

  /** Drops what may exist of the database on its server, logging (scrubbed) rather than throwing. */
  private async dropQuietly(record: DatabaseRecord, why: string, target = this.target(record)): Promise<boolean> {
    try {
      await this.driverOf(record).drop(target);
      return true;
    } catch (error) {
      this.logger.warn(
        `Could not drop database ${record._id.toHexString()} (${why}): ${scrub(
          String((error as Error)?.message ?? error),
          this.secretsOf(record),
        )}`,
      );
      return false;
    }
  }

  /** What must never reach users or logs for this database: its passwords and its host's admin URL. */
  private secretsOf(record: DatabaseRecord): string[] {
    const secrets: string[] = [];
    const adminUrl = this.config.databaseHosts[record.engine]?.adminUrl;
    if (adminUrl) {
      secrets.push(adminUrl);
      // Where the platform reaches the server is the operator's business, not users'.
      const address = URL.canParse(adminUrl) ? new URL(adminUrl).host : '';
      if (address) secrets.push(address);
    }
    for (const sealed of [record.passwordEncrypted, record.pendingPasswordEncrypted]) {
      if (!sealed) continue;
      try {
        secrets.push(this.encryption.decrypt(sealed, PASSWORD_PURPOSE));
      } catch {
        // A password the key ring cannot open cannot be in a message either.
      }
    }
    return secrets;
  }

  private async enqueue<J extends DatabaseJob.PROVISION | DatabaseJob.DELETE>(
    job: J,
    payload: DatabaseJobPayloads[J],
  ): Promise<void> {
    const name = job === DatabaseJob.PROVISION ? 'provision' : 'delete';
    await this.queue.add(job, payload, {
      jobId: `${name}-${payload.databaseId}`,
      attempts: 1,
      removeOnComplete: true,
      removeOnFail: true,
    });
  }

  private rotating(): DatabaseException {
    return new DatabaseException(
      DatabaseExceptionReason.OPERATION_IN_PROGRESS,
      'Its credentials are being rotated by another request, or it is no longer AVAILABLE; try again',
    );
  }

  private notFound(): DatabaseException {
    return new DatabaseException(DatabaseExceptionReason.DATABASE_NOT_FOUND, 'There is no such database');
  }

  private nameTaken(name: string): DatabaseException {
    return new DatabaseException(
      DatabaseExceptionReason.DATABASE_NAME_TAKEN,
      `The project already has a database named ${name}`,
    );
  }

  private notAvailable(status: DatabaseStatus): DatabaseException {
    return new DatabaseException(
      DatabaseExceptionReason.DATABASE_NOT_AVAILABLE,
      `The database is ${status}, not AVAILABLE`,
      { status },
    );
  }
}
