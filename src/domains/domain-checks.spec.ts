import { applyCheck, judge, type CheckOutcome, type CheckPolicy } from './domain-checks';
import { DomainCheckFailure, DomainStatus } from './domain.schema';

const NAME = '_slipway-challenge.www.example.com';
const EXPECTED = 'slipway-verification=abc123';
const POLICY: CheckPolicy = { recheckMs: 3_600_000, failureThreshold: 3, pendingMs: 72 * 3_600_000, timeoutMs: 5_000 };
const NOW = new Date('2030-01-01T00:00:00Z');
const at = (ms: number): Date => new Date(NOW.getTime() + ms);

const FOUND: CheckOutcome = { ok: true };
const GONE: CheckOutcome = { ok: false, failure: DomainCheckFailure.RECORD_NOT_FOUND, reason: 'gone' };
const WRONG: CheckOutcome = { ok: false, failure: DomainCheckFailure.WRONG_VALUE, reason: 'wrong' };
const TIMEOUT: CheckOutcome = { ok: false, failure: DomainCheckFailure.RESOLVER_TIMEOUT, reason: 'slow' };

const pending = {
  status: DomainStatus.PENDING,
  verifiedAt: null,
  consecutiveFailures: 0,
  unverifiedSince: NOW,
  failureCode: null,
  createdAt: NOW,
};
const verified = {
  ...pending,
  status: DomainStatus.VERIFIED,
  verifiedAt: new Date('2029-06-01T00:00:00Z'),
  unverifiedSince: null,
};

describe('judge', () => {
  it('finds the expected value among the TXT records, quoted or not', () => {
    expect(judge(NAME, EXPECTED, { values: ['v=spf1 -all', EXPECTED] }, POLICY)).toEqual({ ok: true });
    expect(judge(NAME, EXPECTED, { values: [` "${EXPECTED}" `] }, POLICY)).toEqual({ ok: true });
  });

  it('says what it found instead of a wrong value', () => {
    const sut = judge(NAME, EXPECTED, { values: ['slipway-verification=other', 'x'.repeat(500)] }, POLICY);
    expect(sut).toMatchObject({ ok: false, failure: DomainCheckFailure.WRONG_VALUE });
    const reason = (sut as { reason: string }).reason;
    expect(reason).toContain('"slipway-verification=other"');
    expect(reason).toContain(EXPECTED);
    expect(reason.length).toBeLessThan(400);
  });

  it('tells a missing name, a name without TXT records and resolver trouble apart', () => {
    const reasons = [
      [DomainCheckFailure.RECORD_NOT_FOUND, 'ENOTFOUND', /NXDOMAIN/],
      [DomainCheckFailure.NO_TXT_RECORD, 'ENODATA', /no TXT record/],
      [DomainCheckFailure.RESOLVER_TIMEOUT, 'ETIMEOUT', /within 5000 ms/],
      [DomainCheckFailure.RESOLVER_UNREACHABLE, 'ECONNREFUSED', /could not be reached \(ECONNREFUSED\)/],
      [DomainCheckFailure.RESOLVER_ERROR, 'ESERVFAIL', /answered with an error \(ESERVFAIL\)/],
    ] as const;
    for (const [failure, code, reason] of reasons) {
      const sut = judge(NAME, EXPECTED, { failure, code }, POLICY);
      expect(sut).toMatchObject({ ok: false, failure });
      expect((sut as { reason: string }).reason).toMatch(reason);
    }
  });
});

describe('applyCheck', () => {
  it('verifies a pending domain and schedules its next check', () => {
    const sut = applyCheck(pending, FOUND, NOW, POLICY);
    expect(sut.announce).toBe('verified');
    expect(sut.set).toMatchObject({
      status: DomainStatus.VERIFIED,
      verifiedAt: NOW,
      consecutiveFailures: 0,
      failureCode: null,
      unverifiedSince: null,
      nextCheckAt: at(POLICY.recheckMs),
    });
  });

  it('keeps a verified domain quiet while it stays verified', () => {
    const sut = applyCheck(verified, FOUND, NOW, POLICY);
    expect(sut.announce).toBeNull();
    expect(sut.set.verifiedAt).toEqual(verified.verifiedAt);
  });

  it('fails a pending domain with the reason, and retries it sooner, then less often', () => {
    const first = applyCheck(pending, GONE, NOW, POLICY);
    expect(first.announce).toBe('failed');
    expect(first.set).toMatchObject({
      status: DomainStatus.FAILED,
      failureCode: DomainCheckFailure.RECORD_NOT_FOUND,
      failureReason: 'gone',
      consecutiveFailures: 1,
      nextCheckAt: at(60_000),
    });
    const failed = {
      ...pending,
      status: DomainStatus.FAILED,
      consecutiveFailures: 3,
      failureCode: GONE.ok ? null : GONE.failure,
    };
    const again = applyCheck(failed, GONE, NOW, POLICY);
    // The same failure again is no news; another reason is.
    expect(again.announce).toBeNull();
    expect(again.set.nextCheckAt).toEqual(at(8 * 60_000));
    expect(applyCheck(failed, WRONG, NOW, POLICY).announce).toBe('failed');
    expect(applyCheck({ ...failed, consecutiveFailures: 30 }, GONE, NOW, POLICY).set.nextCheckAt).toEqual(
      at(POLICY.recheckMs),
    );
  });

  it('fails a pending domain on resolver trouble too: it serves nothing yet', () => {
    expect(applyCheck(pending, TIMEOUT, NOW, POLICY).set).toMatchObject({
      status: DomainStatus.FAILED,
      failureCode: DomainCheckFailure.RESOLVER_TIMEOUT,
    });
  });

  it('stops checking an unverified domain by itself after the pending time', () => {
    const old = { ...pending, unverifiedSince: new Date(NOW.getTime() - POLICY.pendingMs + 30_000) };
    expect(applyCheck(old, GONE, NOW, POLICY).set.nextCheckAt).toBeNull();
    const young = { ...pending, unverifiedSince: new Date(NOW.getTime() - POLICY.pendingMs + 120_000) };
    expect(applyCheck(young, GONE, NOW, POLICY).set.nextCheckAt).toEqual(at(60_000));
  });

  it('keeps serving a verified domain until the record fails the threshold of checks in a row', () => {
    const once = applyCheck(verified, GONE, NOW, POLICY);
    expect(once.announce).toBeNull();
    expect(once.set.status).toBeUndefined();
    expect(once.set).toMatchObject({
      consecutiveFailures: 1,
      failureCode: DomainCheckFailure.RECORD_NOT_FOUND,
      nextCheckAt: at(POLICY.recheckMs),
    });
    const twice = applyCheck({ ...verified, consecutiveFailures: 1 }, WRONG, NOW, POLICY);
    expect([twice.set.status, twice.set.consecutiveFailures]).toEqual([undefined, 2]);

    const third = applyCheck({ ...verified, consecutiveFailures: 2 }, GONE, NOW, POLICY);
    expect(third.announce).toBe('failed');
    expect(third.set).toMatchObject({ status: DomainStatus.FAILED, consecutiveFailures: 3, unverifiedSince: NOW });
    expect(third.set.nextCheckAt).toEqual(at(60_000));
  });

  it('does not count resolver trouble against a verified domain', () => {
    const sut = applyCheck({ ...verified, consecutiveFailures: 2 }, TIMEOUT, NOW, POLICY);
    expect(sut.announce).toBeNull();
    expect(sut.set).toMatchObject({ consecutiveFailures: 2, failureCode: DomainCheckFailure.RESOLVER_TIMEOUT });
    expect(sut.set.status).toBeUndefined();
  });

  it('forgets past failures once the record is found again', () => {
    const sut = applyCheck({ ...verified, consecutiveFailures: 2 }, FOUND, NOW, POLICY);
    expect(sut.set).toMatchObject({ consecutiveFailures: 0, failureCode: null, failureReason: null });
  });
});
