/** The domains feature's Bull queue: re-verification of custom domains. */
export const DOMAINS_QUEUE = 'domains';

export enum DomainJob {
  /** Checks the domains whose next check is due (`DomainChecksService.recheckDue`). */
  RECHECK = 'domains.recheck',
}

/** Job payloads: ids and plain values only, never documents. */
export interface DomainJobPayloads {
  [DomainJob.RECHECK]: { requestedAt: string };
}
