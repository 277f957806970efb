import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { SharedCache } from '../common/cache/shared-cache';
import { SharedCacheFactory } from '../common/cache/shared-cache.factory';
import { toObjectId } from '../common/mongo/object-id';
import { DomainRecord, DomainStatus } from './domain.schema';

/** What a request to a custom domain gets: the project it serves, or the primary hostname to go to. */
export interface HostRoute {
  projectId: string;
  /** Set when another verified domain of the project is its primary one. */
  redirectTo?: string;
}

/**
 * Which project a request's hostname serves. Every API request asks, so answers are kept per
 * process for up to 30 s, misses included (most requests name the API itself, not a custom
 * domain); every change that moves a hostname in or out of service drops them everywhere.
 */
@Injectable()
export class DomainHostsService {
  /** `<hostname>:` → the project a verified domain serves, or '' for a hostname that serves none. */
  private readonly hosts: SharedCache<string>;
  /** `<projectId>:` → the project's verified primary hostname, or '' when it has none. */
  private readonly primaries: SharedCache<string>;

  constructor(
    @InjectModel(DomainRecord.name) private readonly domains: Model<DomainRecord>,
    caches: SharedCacheFactory,
  ) {
    this.hosts = caches.create({ topic: 'domain-hosts', maxEntries: 10_000, maxAgeMs: 30_000 });
    this.primaries = caches.create({ topic: 'domain-primaries', maxEntries: 10_000, maxAgeMs: 30_000 });
  }

  /** Where a request for `hostname` goes, or null when the hostname is no verified custom domain. */
  async route(hostname: string): Promise<HostRoute | null> {
    const projectId = await this.hosts.getOrLoad(`${hostname}:`, async () => {
      const found = await this.domains
        .findOne({ hostname, status: DomainStatus.VERIFIED }, { projectId: 1 })
        .lean<DomainRecord>()
        .exec();
      return { value: found?.projectId.toHexString() ?? '' };
    });
    if (!projectId) return null;
    const primary = await this.primaries.getOrLoad(`${projectId}:`, async () => {
      const found = await this.domains
        .findOne({ primaryOf: toObjectId(projectId), status: DomainStatus.VERIFIED }, { hostname: 1 })
        .lean<DomainRecord>()
        .exec();
      return { value: found?.hostname ?? '' };
    });
    return primary && primary !== hostname ? { projectId, redirectTo: primary } : { projectId };
  }

  /** Drops what every process knows of `hostname`: it started or stopped serving its project. */
  async forgetHost(hostname: string): Promise<void> {
    await this.hosts.forget(`${hostname}:`);
  }

  /** Drops what every process knows of a project's primary domain: it may have changed. */
  async forgetPrimary(projectId: string): Promise<void> {
    await this.primaries.forget(`${projectId}:`);
  }
}
