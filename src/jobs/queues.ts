/** Every Bull queue the platform runs. Feature modules own their processors. */
export enum QueueName {
  BUILDS = 'builds',
  FUNCTIONS = 'functions',
  WEBHOOKS = 'webhooks',
  BACKUPS = 'backups',
  TRIGGERS = 'triggers',
  ALERTS = 'alerts',
  MAINTENANCE = 'maintenance',
}

export enum MaintenanceJob {
  /** Deletes role assignments and grants whose `expiresAt` has passed and announces each. */
  EXPIRE_ACCESS = 'access.expire',
}

/** Job payloads: ids and plain values only, never documents. */
export interface JobPayloads {
  [MaintenanceJob.EXPIRE_ACCESS]: { requestedAt: string };
}

export type JobOf<N extends keyof JobPayloads> = JobPayloads[N];
