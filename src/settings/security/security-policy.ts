import { Injectable } from '@nestjs/common';
import type { OperationPolicy, PolicyRefusal } from '../../access/operation-policies';
import { unreachableServiceOf } from '../../common/availability/backing-services';
import { ServiceStatus } from '../../common/availability/service-status';
import type { RequestContext } from '../../common/context/request-context';
import { RateLimiter } from '../../common/redis/rate-limiter';
import { AppConfig } from '../../config/app-config';
import { allowlistAdmits } from './ip-allowlist';
import { SecurityService, type ProjectSecurity } from './security.service';
import { SecurityException, SecurityExceptionReason } from './security.exception';

/**
 * What the guard holds every operation to on behalf of this feature: the API rate limit per
 * caller, counted in Redis so that every API process shares it, and a project's IP allowlist.
 *
 * The rate limit fails open: when Redis does not answer, operations go on uncounted (sign-in,
 * which guards passwords, fails closed instead). The limit protects capacity; refusing every
 * operation, reads included, while Redis is out would take the API down with it. Once the
 * process knows Redis is down it does not even ask, so no operation waits for it.
 */
@Injectable()
export class SecurityPolicy implements OperationPolicy {
  constructor(
    private readonly security: SecurityService,
    private readonly limiter: RateLimiter,
    private readonly status: ServiceStatus,
    private readonly config: AppConfig,
  ) {}

  /**
   * One count per operation. A project with a limit of its own counts operations on it apart,
   * against that limit; everything else counts against the caller's platform-wide limit.
   */
  async admit(ctx: RequestContext, projectId: string | undefined): Promise<PolicyRefusal | undefined> {
    if (this.status.isDown('Redis')) return undefined;
    // An API token counts against its owner (`ctx.user`), so more tokens do not mean a higher limit.
    const caller = ctx.user?.id ?? ctx.actorId ?? `ip:${ctx.ip ?? 'unknown'}`;
    const own = projectId === undefined ? null : (await this.security.projectSecurity(projectId)).rateLimitPerMinute;
    const limit = own ?? this.config.API_RATE_LIMIT_PER_MINUTE;
    const bucket = own === null ? `api:${caller}` : `api:${caller}:project:${projectId!}`;
    const windowSeconds = this.config.API_RATE_LIMIT_WINDOW_SECONDS;
    let hit;
    try {
      hit = await this.limiter.hit(bucket, limit, windowSeconds);
    } catch (error) {
      if (unreachableServiceOf(error)) return undefined;
      throw error;
    }
    if (hit.allowed) return undefined;
    return {
      error: new SecurityException(
        SecurityExceptionReason.RATE_LIMITED,
        `Too many operations: at most ${limit} every ${windowSeconds} s${own === null ? '' : ' on this project'}; try again in ${hit.retryAfterSeconds} s`,
        { retryAfterSeconds: hit.retryAfterSeconds, limit, windowSeconds },
      ),
      // The first refusal of a window is recorded; the rest of the flood is not, one write each.
      record: hit.count === limit + 1,
    };
  }

  allow(ctx: RequestContext, projectId: string): Error | undefined | Promise<Error | undefined> {
    const security = this.security.projectSecurity(projectId);
    return security instanceof Promise ? security.then((s) => this.check(ctx, s)) : this.check(ctx, security);
  }

  private check(ctx: RequestContext, security: ProjectSecurity): Error | undefined {
    if (security.allowlist.length === 0 || allowlistAdmits(security.allowlist, ctx.ip)) return undefined;
    return new SecurityException(
      SecurityExceptionReason.IP_NOT_ALLOWED,
      `This project accepts operations only from the addresses it allows, and ${ctx.ip ?? 'your address'} is not one of them`,
      { ip: ctx.ip ?? null },
    );
  }
}
