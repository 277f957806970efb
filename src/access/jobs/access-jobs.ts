/** The access feature's Bull queue: its own maintenance. */
export const ACCESS_QUEUE = 'access';

export enum AccessJob {
  /** Deletes role assignments and grants whose `expiresAt` has passed and announces each. */
  EXPIRE = 'access.expire',
}

/** Job payloads: ids and plain values only, never documents. */
export interface AccessJobPayloads {
  [AccessJob.EXPIRE]: { requestedAt: string };
}
