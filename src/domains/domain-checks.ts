import type { TxtLookup } from './dns-lookup';
import { DomainCheckFailure, DomainStatus, type DomainRecord } from './domain.schema';

/** The result of one check of a domain's verification record. */
export type CheckOutcome = { ok: true } | { ok: false; failure: DomainCheckFailure; reason: string };

/** How often domains are checked, and when a verified one stops being trusted. */
export interface CheckPolicy {
  recheckMs: number;
  failureThreshold: number;
  pendingMs: number;
  timeoutMs: number;
}

/**
 * Failures that say something about the record itself. Resolver trouble (a timeout, no answer,
 * SERVFAIL) may be the platform's own, so it never takes a verified domain down.
 */
const CONCLUSIVE = new Set([
  DomainCheckFailure.RECORD_NOT_FOUND,
  DomainCheckFailure.NO_TXT_RECORD,
  DomainCheckFailure.WRONG_VALUE,
]);

/** How long after a domain is added the re-verification job first looks for its record: time to publish it. */
export const FIRST_CHECK_AFTER_MS = 60_000;

/** The first retry of an unverified domain; each failure doubles it, up to the re-check interval. */
const FIRST_RETRY_MS = 60_000;

const quoted = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

/**
 * Whether a lookup of `name` found `expected`. Surrounding quotes and spaces are forgiven: DNS
 * consoles that want the value quoted sometimes store the quotes too.
 */
export function judge(
  name: string,
  expected: string,
  lookup: TxtLookup,
  policy: Pick<CheckPolicy, 'timeoutMs'>,
): CheckOutcome {
  if ('values' in lookup) {
    if (
      lookup.values.some(
        (value) =>
          value
            .trim()
            .replace(/^"(.*)"$/s, '$1')
            .trim() === expected,
      )
    )
      return { ok: true };
    const found = lookup.values.slice(0, 3).map(quoted).join(', ');
    const more = lookup.values.length > 3 ? ` and ${lookup.values.length - 3} more` : '';
    return lookup.values.length === 0
      ? { ok: false, failure: DomainCheckFailure.NO_TXT_RECORD, reason: `${name} has no TXT record` }
      : {
          ok: false,
          failure: DomainCheckFailure.WRONG_VALUE,
          reason: `${name} has TXT records, none with the expected value ${quoted(expected)}: found ${found}${more}`,
        };
  }
  const reasons: Record<DomainCheckFailure, string> = {
    [DomainCheckFailure.RECORD_NOT_FOUND]: `${name} does not exist (NXDOMAIN): publish the TXT record there`,
    [DomainCheckFailure.NO_TXT_RECORD]: `${name} exists but has no TXT record: publish the TXT record there`,
    [DomainCheckFailure.WRONG_VALUE]: `${name} has no TXT record with the expected value`,
    [DomainCheckFailure.RESOLVER_TIMEOUT]: `The DNS resolver did not answer within ${policy.timeoutMs} ms; try again later`,
    [DomainCheckFailure.RESOLVER_UNREACHABLE]: `The DNS resolver could not be reached (${lookup.code}); try again later`,
    [DomainCheckFailure.RESOLVER_ERROR]: `The DNS resolver answered with an error (${lookup.code}); try again later`,
  };
  return { ok: false, failure: lookup.failure, reason: reasons[lookup.failure] };
}

/** What a check changes in a domain, and whether its status changed in a way to announce. */
export interface CheckResult {
  set: Partial<DomainRecord>;
  announce: 'verified' | 'failed' | null;
}

type CheckedState = Pick<
  DomainRecord,
  'status' | 'verifiedAt' | 'consecutiveFailures' | 'unverifiedSince' | 'failureCode' | 'createdAt'
>;

/**
 * The state a domain moves to after a check at `now`:
 * - found: VERIFIED, checked again after the re-check interval;
 * - not found, on a VERIFIED domain: still served, and FAILED only after `failureThreshold`
 *   conclusive failures in a row (one DNS blip does not take a site down);
 * - not found, on a domain not verified: FAILED, retried with a doubling delay for as long as
 *   `pendingMs` since it stopped being verified, then left to `verifyDomain`.
 */
export function applyCheck(domain: CheckedState, outcome: CheckOutcome, now: Date, policy: CheckPolicy): CheckResult {
  const at = now.getTime();
  if (outcome.ok) {
    const wasVerified = domain.status === DomainStatus.VERIFIED;
    return {
      set: {
        status: DomainStatus.VERIFIED,
        verifiedAt: wasVerified ? domain.verifiedAt : now,
        lastCheckedAt: now,
        failureCode: null,
        failureReason: null,
        consecutiveFailures: 0,
        unverifiedSince: null,
        nextCheckAt: new Date(at + policy.recheckMs),
      },
      announce: wasVerified ? null : 'verified',
    };
  }
  const failed = { lastCheckedAt: now, failureCode: outcome.failure, failureReason: outcome.reason };
  if (domain.status === DomainStatus.VERIFIED) {
    const failures = domain.consecutiveFailures + (CONCLUSIVE.has(outcome.failure) ? 1 : 0);
    if (failures < policy.failureThreshold) {
      return {
        set: { ...failed, consecutiveFailures: failures, nextCheckAt: new Date(at + policy.recheckMs) },
        announce: null,
      };
    }
    return {
      set: {
        ...failed,
        status: DomainStatus.FAILED,
        consecutiveFailures: failures,
        unverifiedSince: now,
        nextCheckAt: new Date(at + retryDelay(1, policy)),
      },
      announce: 'failed',
    };
  }
  const failures = domain.consecutiveFailures + 1;
  const since = domain.unverifiedSince ?? domain.createdAt;
  const next = at + retryDelay(failures, policy);
  return {
    set: {
      ...failed,
      status: DomainStatus.FAILED,
      consecutiveFailures: failures,
      unverifiedSince: since,
      nextCheckAt: next <= since.getTime() + policy.pendingMs ? new Date(next) : null,
    },
    announce: domain.status !== DomainStatus.FAILED || domain.failureCode !== outcome.failure ? 'failed' : null,
  };
}

function retryDelay(failures: number, policy: CheckPolicy): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 20), policy.recheckMs);
}
