import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomBytes } from 'node:crypto';
import type { Model } from 'mongoose';
import type { RequestContext } from '../common/context/request-context';
import { EventBus } from '../common/events/event-bus';
import { isDuplicateKeyError } from '../common/mongo/mongo-errors';
import { isObjectId, toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import { FIRST_CHECK_AFTER_MS } from './domain-checks';
import { DomainHostsService } from './domain-hosts.service';
import { DomainException, DomainExceptionReason } from './domain.exception';
import { DomainRecord, DomainStatus } from './domain.schema';
import type { AddDomainInput } from './dto/add-domain.input';
import { DomainAddedEvent, DomainPrimaryChangedEvent, DomainRemovedEvent } from './events/domain-lifecycle.event';
import { parseHostname } from './hostname';
import { Domain } from './models/domain.model';

/** Attempts at setting a primary domain while concurrent changes keep taking the place. */
const PRIMARY_ATTEMPTS = 5;

/**
 * A project's custom domains: added with a verification token, one of them primary, removed.
 * Checking their records is `DomainChecksService`'s; serving them, `CustomDomainsMiddleware`'s.
 */
@Injectable()
export class DomainsService {
  constructor(
    @InjectModel(DomainRecord.name) private readonly domains: Model<DomainRecord>,
    private readonly hosts: DomainHostsService,
    private readonly events: EventBus,
    private readonly config: AppConfig,
  ) {}

  async add(ctx: RequestContext, input: AddDomainInput): Promise<Domain> {
    const { ascii, unicode } = parseHostname(input.hostname, this.config.PLATFORM_DOMAINS);
    const projectId = toObjectId(input.projectId);
    const limit = this.config.DOMAINS_PER_PROJECT;
    // Two additions at once could both pass; the cap is about keeping lists and checks bounded,
    // which one more does not break.
    if ((await this.domains.countDocuments({ projectId }).exec()) >= limit) {
      throw new DomainException(
        DomainExceptionReason.DOMAIN_LIMIT_REACHED,
        `A project has at most ${limit} custom domains; remove one first`,
        { limit },
      );
    }
    const now = new Date();
    const create = async (): Promise<DomainRecord> =>
      (
        await this.domains.create({
          projectId,
          hostname: ascii,
          unicodeHostname: unicode,
          token: randomBytes(16).toString('hex'),
          status: DomainStatus.PENDING,
          // The re-verification job looks for the record by itself too, once it has had time to be published.
          nextCheckAt: new Date(now.getTime() + FIRST_CHECK_AFTER_MS),
          unverifiedSince: now,
        })
      ).toObject<DomainRecord>();
    let record: DomainRecord;
    try {
      record = await create();
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      if (!(await this.releaseStale(ascii, now))) throw await this.taken(ascii, input.projectId);
      try {
        record = await create();
      } catch (again) {
        if (isDuplicateKeyError(again)) throw await this.taken(ascii, input.projectId);
        throw again;
      }
    }
    await this.events.publish(
      new DomainAddedEvent(input.projectId, ctx.actorId, record._id.toHexString(), ascii, record.status),
    );
    return Domain.from(record);
  }

  /** The project's domains, in the order they were added. */
  async list(projectId: string): Promise<Domain[]> {
    const records = await this.domains
      .find({ projectId: toObjectId(projectId) })
      .sort({ _id: 1 })
      .limit(this.config.DOMAINS_PER_PROJECT + 10)
      .lean<DomainRecord[]>()
      .exec();
    return records.map((record) => Domain.from(record));
  }

  async get(domainId: string): Promise<Domain> {
    return Domain.from(await this.record(domainId));
  }

  /**
   * Makes a verified domain the project's primary one: its other verified domains answer with a
   * permanent redirect to it. The previous primary, if any, stops being it.
   */
  async setPrimary(ctx: RequestContext, domainId: string): Promise<Domain> {
    const record = await this.record(domainId);
    if (record.status !== DomainStatus.VERIFIED) throw this.notVerified(record.hostname);
    if (record.primaryOf) return Domain.from(record);
    const previous = await this.domains
      .findOne({ primaryOf: record.projectId }, { _id: 1 })
      .lean<DomainRecord>()
      .exec();
    let updated: DomainRecord | null = null;
    for (let attempt = 0; attempt < PRIMARY_ATTEMPTS && !updated; attempt += 1) {
      await this.domains
        .updateMany({ primaryOf: record.projectId, _id: { $ne: record._id } }, { $unset: { primaryOf: 1 } })
        .exec();
      try {
        updated = await this.domains
          .findOneAndUpdate(
            { _id: record._id, status: DomainStatus.VERIFIED },
            { $set: { primaryOf: record.projectId } },
            { returnDocument: 'after' },
          )
          .lean<DomainRecord>()
          .exec();
        if (!updated) {
          const current = await this.record(domainId);
          throw this.notVerified(current.hostname);
        }
      } catch (error) {
        // Another change made a primary between the two writes: take the place from it again.
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
    if (!updated) {
      throw new DomainException(
        DomainExceptionReason.DOMAIN_NOT_VERIFIED,
        'The primary domain kept changing under this request; try again',
      );
    }
    const projectId = record.projectId.toHexString();
    await this.hosts.forgetPrimary(projectId);
    await this.events.publish(
      new DomainPrimaryChangedEvent(
        projectId,
        ctx.actorId,
        domainId,
        record.hostname,
        updated.status,
        previous?._id.toHexString() ?? null,
      ),
    );
    return Domain.from(updated);
  }

  /** Removes a domain: it stops serving the project at once, on every API process. */
  async remove(ctx: RequestContext, domainId: string): Promise<boolean> {
    const record = await this.domains
      .findOneAndDelete({ _id: toObjectId(domainId) })
      .lean<DomainRecord>()
      .exec();
    if (!record) throw this.notFound();
    const projectId = record.projectId.toHexString();
    await this.forgetServing(record);
    await this.events.publish(new DomainRemovedEvent(projectId, ctx.actorId, domainId, record.hostname, record.status));
    return true;
  }

  /** Removes every domain of a project that is gone. */
  async forgetProject(projectId: string): Promise<void> {
    const records = await this.domains
      .find({ projectId: toObjectId(projectId) }, { hostname: 1 })
      .lean<DomainRecord[]>()
      .exec();
    await this.domains.deleteMany({ projectId: toObjectId(projectId) }).exec();
    for (const record of records) await this.hosts.forgetHost(record.hostname);
    await this.hosts.forgetPrimary(projectId);
  }

  /** The project a domain belongs to, for the access guard. */
  async projectOf(domainId: string): Promise<string | null> {
    if (!isObjectId(domainId)) return null;
    const record = await this.domains.findById(toObjectId(domainId), { projectId: 1 }).lean<DomainRecord>().exec();
    return record ? record.projectId.toHexString() : null;
  }

  /**
   * Frees a hostname held by a domain that has not been verified for DOMAIN_PENDING_HOURS, so
   * that a name nobody proved is not held for ever (by a typo, or by someone who never owned it).
   * Returns whether the hostname is free now.
   */
  private async releaseStale(hostname: string, now: Date): Promise<boolean> {
    const before = new Date(now.getTime() - this.config.DOMAIN_PENDING_HOURS * 3_600_000);
    const released = await this.domains
      .findOneAndDelete({ hostname, status: { $ne: DomainStatus.VERIFIED }, unverifiedSince: { $lte: before } })
      .lean<DomainRecord>()
      .exec();
    if (!released) return false;
    await this.forgetServing(released);
    await this.events.publish(
      new DomainRemovedEvent(
        released.projectId.toHexString(),
        undefined,
        released._id.toHexString(),
        hostname,
        released.status,
      ),
    );
    return true;
  }

  /** A domain that is gone serves nothing, and is no project's primary any more. */
  private async forgetServing(record: DomainRecord): Promise<void> {
    await this.hosts.forgetHost(record.hostname);
    if (record.primaryOf) await this.hosts.forgetPrimary(record.projectId.toHexString());
  }

  private async record(domainId: string): Promise<DomainRecord> {
    const record = await this.domains.findById(toObjectId(domainId)).lean<DomainRecord>().exec();
    if (!record) throw this.notFound();
    return record;
  }

  private async taken(hostname: string, projectId: string): Promise<DomainException> {
    const holder = await this.domains.findOne({ hostname }, { projectId: 1 }).lean<DomainRecord>().exec();
    const here = holder?.projectId.toHexString() === projectId;
    return new DomainException(
      DomainExceptionReason.DOMAIN_TAKEN,
      here ? `This project already has ${hostname}` : `${hostname} is already in use by another project`,
      { hostname },
    );
  }

  private notFound(): DomainException {
    return new DomainException(DomainExceptionReason.DOMAIN_NOT_FOUND, 'No domain has this id');
  }

  private notVerified(hostname: string): DomainException {
    return new DomainException(
      DomainExceptionReason.DOMAIN_NOT_VERIFIED,
      `${hostname} is not verified: only a verified domain can be primary`,
      { hostname },
    );
  }
}
