import { DomainEvent } from '../../common/events/domain-event';
import type { DatabaseEngineName } from '../../config/database-hosts';

/** Base of the database.* events: which database. Never carries a credential. */
abstract class DatabaseLifecycleEvent extends DomainEvent {
  constructor(
    projectId: string,
    actorId: string | undefined,
    readonly databaseId: string,
    readonly databaseName: string,
    readonly engine: DatabaseEngineName,
  ) {
    super(projectId, actorId);
  }

  payload(): Record<string, unknown> {
    return { databaseId: this.databaseId, name: this.databaseName, engine: this.engine };
  }
}

/** The database was provisioned and is AVAILABLE. */
export class DatabaseCreatedEvent extends DatabaseLifecycleEvent {
  static readonly eventName = 'database.created';
  readonly name = DatabaseCreatedEvent.eventName;
}

/** The database and its user were dropped from the server. */
export class DatabaseDeletedEvent extends DatabaseLifecycleEvent {
  static readonly eventName = 'database.deleted';
  readonly name = DatabaseDeletedEvent.eventName;
}

/** Base of the backup events: which backup of which database. */
abstract class DatabaseBackupEvent extends DatabaseLifecycleEvent {
  constructor(
    projectId: string,
    actorId: string | undefined,
    databaseId: string,
    databaseName: string,
    engine: DatabaseEngineName,
    readonly backupId: string,
    /** SCHEDULED or MANUAL. */
    readonly trigger: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(projectId, actorId, databaseId, databaseName, engine);
  }

  override payload(): Record<string, unknown> {
    return { ...super.payload(), backupId: this.backupId, trigger: this.trigger, ...this.detail };
  }
}

/** A backup was stored (detail: sizeBytes, checksum). */
export class DatabaseBackupSucceededEvent extends DatabaseBackupEvent {
  static readonly eventName = 'database.backup_succeeded';
  readonly name = DatabaseBackupSucceededEvent.eventName;
}

/** A backup failed (detail: reason). */
export class DatabaseBackupFailedEvent extends DatabaseBackupEvent {
  static readonly eventName = 'database.backup_failed';
  readonly name = DatabaseBackupFailedEvent.eventName;
}

/** A backup was restored into this database (detail: restoreId, sourceDatabaseId). */
export class DatabaseRestoredEvent extends DatabaseBackupEvent {
  static readonly eventName = 'database.restored';
  readonly name = DatabaseRestoredEvent.eventName;
}
