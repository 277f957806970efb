/** The databases feature's Bull queue: provisioning, deletion, backups, restores, schedules. */
export const DATABASES_QUEUE = 'databases';

export enum DatabaseJob {
  /** Creates a PROVISIONING database on its server (`DatabasesService.provision`). */
  PROVISION = 'databases.provision',
  /** Drops a DELETING database and its user from the server, then its record. */
  DELETE = 'databases.delete',
  /** Runs one backup (`DatabaseBackupsService`). */
  BACKUP = 'databases.backup',
  /** Runs one restore. */
  RESTORE = 'databases.restore',
  /** A database's backup schedule firing (Bull repeatable job, cron and time zone). */
  SCHEDULED_BACKUP = 'databases.scheduled-backup',
  /** Queues again the jobs of databases stuck PROVISIONING or DELETING (a repeatable job). */
  SWEEP = 'databases.sweep',
}

/** Job payloads: ids and plain values only, never documents or credentials. */
export interface DatabaseJobPayloads {
  [DatabaseJob.PROVISION]: { databaseId: string };
  [DatabaseJob.DELETE]: { databaseId: string };
  [DatabaseJob.BACKUP]: { backupId: string };
  [DatabaseJob.RESTORE]: { restoreId: string };
  [DatabaseJob.SCHEDULED_BACKUP]: { databaseId: string };
  [DatabaseJob.SWEEP]: { requestedAt: string };
}
