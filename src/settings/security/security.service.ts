import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { SharedCache } from '../../common/cache/shared-cache';
import { SharedCacheFactory } from '../../common/cache/shared-cache.factory';
import type { RequestContext } from '../../common/context/request-context';
import { EventBus } from '../../common/events/event-bus';
import { toObjectId } from '../../common/mongo/object-id';
import { parseAddress, type IpRange } from '../../common/net/ip-address';
import { AppConfig } from '../../config/app-config';
import type { UpdateSecuritySettingsInput } from './dto/update-security-settings.input';
import { SecurityUpdatedEvent } from './events/security-updated.event';
import { allowlistAdmits, compileAllowlist, normalizeAllowlist } from './ip-allowlist';
import { SecuritySettings } from './models/security-settings.model';
import { SecuritySettingsRecord } from './security-settings.schema';
import { SecurityException, SecurityExceptionReason } from './security.exception';

type Settings = Pick<SecuritySettingsRecord, '_id' | 'ipAllowlist' | 'rateLimitPerMinute'> & { updatedAt?: Date };

const DEFAULTS = { ipAllowlist: [] as string[], rateLimitPerMinute: null };

/** What every operation on a project is held to, ready to apply. */
export interface ProjectSecurity {
  readonly allowlist: readonly IpRange[];
  readonly rateLimitPerMinute: number | null;
}

/** A project that never set anything: cached like any other, so that it costs no read per operation. */
const UNRESTRICTED: ProjectSecurity = Object.freeze({ allowlist: [], rateLimitPerMinute: null });

/**
 * A project's security settings: its IP allowlist and its own API rate limit. The guard applies
 * them to every operation, so each process keeps them (up to 30 s), and a change drops them in
 * every process before it is answered.
 */
@Injectable()
export class SecurityService {
  private readonly cache: SharedCache<ProjectSecurity>;

  constructor(
    @InjectModel(SecuritySettingsRecord.name) private readonly settings: Model<SecuritySettingsRecord>,
    private readonly config: AppConfig,
    private readonly events: EventBus,
    caches: SharedCacheFactory,
  ) {
    this.cache = caches.create({ topic: 'security', maxEntries: 20_000, maxAgeMs: 30_000 });
  }

  async get(ctx: RequestContext, projectId: string): Promise<SecuritySettings> {
    return this.toModel(await this.record(projectId), ctx);
  }

  /**
   * Checks everything before writing anything, so a refused change leaves the settings as they
   * were. An allowlist that would shut out the caller's own address is refused unless confirmed.
   */
  async update(ctx: RequestContext, input: UpdateSecuritySettingsInput): Promise<SecuritySettings> {
    const set: Partial<Pick<SecuritySettingsRecord, 'ipAllowlist' | 'rateLimitPerMinute'>> = {};
    if (input.ipAllowlist !== undefined) {
      const allowlist = normalizeAllowlist(input.ipAllowlist);
      if (!input.confirmLockout && !allowlistAdmits(compileAllowlist(allowlist), ctx.ip)) {
        throw new SecurityException(
          SecurityExceptionReason.WOULD_LOCK_OUT,
          `This allowlist leaves out your own address (${ctx.ip ?? 'unknown'}), so you could not reach the project any more; include it, or send confirmLockout: true`,
          { ip: ctx.ip ?? null },
        );
      }
      set.ipAllowlist = allowlist;
    }
    if (input.rateLimitPerMinute !== undefined) {
      const limit = input.rateLimitPerMinute;
      const { API_RATE_LIMIT_MIN: min, API_RATE_LIMIT_MAX: max } = this.config;
      if (limit !== null && (limit < min || limit > max)) {
        throw new SecurityException(
          SecurityExceptionReason.RATE_LIMIT_OUT_OF_BOUNDS,
          `rateLimitPerMinute must be between ${min} and ${max}, or null for the platform's limit`,
          { min, max },
        );
      }
      set.rateLimitPerMinute = limit;
    }
    const current = await this.record(input.projectId);
    const changed = (Object.keys(set) as Array<keyof typeof set>).filter(
      (key) => JSON.stringify(set[key]) !== JSON.stringify(current[key] ?? null),
    );
    if (changed.length === 0) return this.toModel(current, ctx);
    const saved = await this.settings
      .findOneAndUpdate(
        { _id: toObjectId(input.projectId) },
        { $set: set, $setOnInsert: Object.fromEntries(Object.entries(DEFAULTS).filter(([key]) => !(key in set))) },
        { upsert: true, returnDocument: 'after' },
      )
      .lean<SecuritySettingsRecord>()
      .exec();
    await this.cache.forget(`${input.projectId}:`);
    await this.events.publish(
      new SecurityUpdatedEvent(
        input.projectId,
        ctx.actorId,
        changed,
        saved!.ipAllowlist.length,
        saved!.rateLimitPerMinute ?? null,
      ),
    );
    return this.toModel(saved!, ctx);
  }

  /**
   * What operations on the project are held to, from this process's cache: a hit is answered as
   * it is, not wrapped in a promise, since this sits on every operation's path.
   */
  projectSecurity(projectId: string): ProjectSecurity | Promise<ProjectSecurity> {
    return this.cache.getOrLoad(`${projectId}:`, async () => ({ value: await this.load(projectId) })) as
      ProjectSecurity | Promise<ProjectSecurity>;
  }

  /** A deleted project's settings go with it. */
  async forgetProject(projectId: string): Promise<void> {
    await this.settings.deleteOne({ _id: toObjectId(projectId) }).exec();
    await this.cache.forget(`${projectId}:`);
  }

  private async load(projectId: string): Promise<ProjectSecurity> {
    const found = await this.settings
      .findById(toObjectId(projectId))
      .select({ ipAllowlist: 1, rateLimitPerMinute: 1 })
      .lean<Pick<SecuritySettingsRecord, 'ipAllowlist' | 'rateLimitPerMinute'>>()
      .exec();
    if (!found || ((found.ipAllowlist ?? []).length === 0 && (found.rateLimitPerMinute ?? null) === null)) {
      return UNRESTRICTED;
    }
    return Object.freeze({
      allowlist: Object.freeze(compileAllowlist(found.ipAllowlist ?? [])),
      rateLimitPerMinute: found.rateLimitPerMinute ?? null,
    });
  }

  private async record(projectId: string): Promise<Settings> {
    const found = await this.settings.findById(toObjectId(projectId)).lean<SecuritySettingsRecord>().exec();
    return found ?? { _id: toObjectId(projectId), ...DEFAULTS };
  }

  private toModel(settings: Settings, ctx: RequestContext): SecuritySettings {
    // As the allowlist reads it: a dual-stack socket's `::ffff:203.0.113.7` is 203.0.113.7.
    const address = ctx.ip === undefined ? undefined : (parseAddress(ctx.ip)?.toString() ?? ctx.ip);
    return SecuritySettings.from(settings, this.config.API_RATE_LIMIT_PER_MINUTE, address);
  }
}
