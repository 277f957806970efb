import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { RequestContext } from '../common/context/request-context';
import { EventBus } from '../common/events/event-bus';
import { toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import { DnsLookup } from './dns-lookup';
import { applyCheck, judge, type CheckPolicy } from './domain-checks';
import { DomainHostsService } from './domain-hosts.service';
import { DomainException, DomainExceptionReason } from './domain.exception';
import { DomainRecord, DomainStatus } from './domain.schema';
import { DomainFailedEvent, DomainVerifiedEvent } from './events/domain-lifecycle.event';
import { CHALLENGE_LABEL } from './hostname';
import { Domain, verificationValue } from './models/domain.model';

/** Domains one re-verification run checks at most; the next run takes the rest. */
const BATCH = 200;
/** Lookups a run makes at once. */
const PARALLEL = 10;
/** How long a run holds the domains it took, so that runs on other workers leave them alone. */
const CLAIM_MS = 5 * 60_000;

/**
 * Checks domains' verification records: at once through `verifyDomain`, and through the
 * re-verification job for every domain whose next check is due.
 */
@Injectable()
export class DomainChecksService {
  private readonly logger = new Logger(DomainChecksService.name);

  constructor(
    @InjectModel(DomainRecord.name) private readonly domains: Model<DomainRecord>,
    private readonly dns: DnsLookup,
    private readonly hosts: DomainHostsService,
    private readonly events: EventBus,
    private readonly config: AppConfig,
  ) {}

  /** Looks the domain's record up now; a failed check is a status with its reason, not an error. */
  async verify(ctx: RequestContext, domainId: string): Promise<Domain> {
    const record = await this.domains.findById(toObjectId(domainId)).lean<DomainRecord>().exec();
    if (!record) throw new DomainException(DomainExceptionReason.DOMAIN_NOT_FOUND, 'No domain has this id');
    return Domain.from(await this.check(record, new Date(), ctx.actorId));
  }

  /**
   * Checks the domains whose next check is due at `now`, up to one batch; returns how many. Each
   * domain is first claimed (its next check moved on), so concurrent runs never check one twice.
   */
  async recheckDue(now = new Date()): Promise<number> {
    let checked = 0;
    const claim = async (): Promise<DomainRecord | null> =>
      this.domains
        .findOneAndUpdate(
          { nextCheckAt: { $lte: now } },
          { $set: { nextCheckAt: new Date(now.getTime() + CLAIM_MS) } },
          { sort: { nextCheckAt: 1 }, returnDocument: 'before' },
        )
        .lean<DomainRecord>()
        .exec();
    const work = async (): Promise<void> => {
      while (checked < BATCH) {
        const record = await claim();
        if (!record) return;
        checked += 1;
        try {
          await this.check(record, now, undefined);
        } catch (error) {
          // One domain's trouble (removed meanwhile, a write that failed) must not stop the others.
          this.logger.warn(`Re-verifying ${record.hostname} failed: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, work));
    return checked;
  }

  private async check(record: DomainRecord, now: Date, actorId: string | undefined): Promise<DomainRecord> {
    const name = `${CHALLENGE_LABEL}.${record.hostname}`;
    const outcome = judge(name, verificationValue(record.token), await this.dns.txt(name), this.policy);
    const { set, announce } = applyCheck(record, outcome, now, this.policy);
    // Applied only to the state it was computed from: a check that raced another one (or a
    // removal) leaves the stored outcome of the other alone.
    const updated = await this.domains
      .findOneAndUpdate(
        {
          _id: record._id,
          status: record.status,
          consecutiveFailures: record.consecutiveFailures,
          lastCheckedAt: record.lastCheckedAt,
        },
        { $set: set },
        { returnDocument: 'after' },
      )
      .lean<DomainRecord>()
      .exec();
    if (!updated) {
      const current = await this.domains.findById(record._id).lean<DomainRecord>().exec();
      if (!current) throw new DomainException(DomainExceptionReason.DOMAIN_NOT_FOUND, 'The domain was removed');
      return current;
    }
    const projectId = record.projectId.toHexString();
    const served = (status: DomainStatus | undefined): boolean => status === DomainStatus.VERIFIED;
    if (served(record.status) !== served(set.status ?? record.status)) {
      await this.hosts.forgetHost(record.hostname);
      if (record.primaryOf) await this.hosts.forgetPrimary(projectId);
    }
    const domainId = record._id.toHexString();
    if (announce === 'verified') {
      await this.events.publish(
        new DomainVerifiedEvent(projectId, actorId, domainId, record.hostname, DomainStatus.VERIFIED),
      );
    } else if (announce === 'failed') {
      await this.events.publish(
        new DomainFailedEvent(
          projectId,
          actorId,
          domainId,
          record.hostname,
          DomainStatus.FAILED,
          outcome.ok ? null : outcome.failure,
          outcome.ok ? null : outcome.reason,
        ),
      );
    }
    return updated;
  }

  private get policy(): CheckPolicy {
    return {
      recheckMs: this.config.DOMAIN_RECHECK_MINUTES * 60_000,
      failureThreshold: this.config.DOMAIN_FAILURE_THRESHOLD,
      pendingMs: this.config.DOMAIN_PENDING_HOURS * 3_600_000,
      timeoutMs: this.config.DNS_TIMEOUT_MS,
    };
  }
}
