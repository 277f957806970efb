import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../common/context/request-context';
import { CommonException, CommonExceptionReason } from '../common/errors/app.exception';
import { AccessException, AccessExceptionReason } from './access.exception';
import { EffectivePermissionsService } from './effective-permissions.service';
import { OperationPolicies } from './operation-policies';
import type { PermissionCheck } from './models/permission-check.model';
import type { Permission } from './permissions';
import { tokenRefusal } from './token-limits';

/**
 * Access decisions for services. The guard authorizes each operation at the edge; services that
 * act on another project, or hand out access, ask here, and always get a decision about the
 * project they name (from the per-process cache), never one left over from another operation.
 */
@Injectable()
export class AccessService {
  constructor(
    private readonly permissions: EffectivePermissionsService,
    private readonly policies: OperationPolicies,
  ) {}

  /**
   * Throws unless the caller holds `permission` in the project now and may reach the project the
   * way they do (its `OperationPolicies`, such as an IP allowlist).
   */
  async requireAccess(ctx: RequestContext, permission: Permission, projectId: string): Promise<void> {
    if (!ctx.user) throw new CommonException(CommonExceptionReason.UNAUTHENTICATED, 'Sign in to do this');
    const { permissions } = await this.permissions.forCaller(ctx, projectId);
    if (!permissions.has(permission)) {
      throw (
        tokenRefusal(ctx.token, projectId, permission) ??
        new CommonException(CommonExceptionReason.FORBIDDEN, `Missing permission ${permission} in this project`)
      );
    }
    const refusal = await this.policies.allow(ctx, projectId);
    if (refusal) throw refusal;
  }

  /**
   * Nobody hands out more than they hold: that is how a custom role with `role:assign` or
   * `role:update` is kept from minting owners. An API token holds only what its scopes allow.
   */
  async assertHoldsAll(
    ctx: RequestContext,
    projectId: string,
    permissions: readonly Permission[],
    action: string,
  ): Promise<void> {
    const held = (await this.permissions.forCaller(ctx, projectId)).permissions;
    const missing = permissions.filter((p) => !held.has(p));
    if (missing.length > 0) {
      const listed = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ', …' : '');
      throw new AccessException(
        AccessExceptionReason.PERMISSION_DENIED,
        `You cannot ${action}: you do not hold ${listed}`,
      );
    }
  }

  /**
   * Whether a user (the caller by default) holds a permission now, and what grants it. Asked about
   * itself, an API token is answered for what it may do: its owner's rights within its scopes.
   */
  async checkPermission(
    ctx: RequestContext,
    projectId: string,
    permission: Permission,
    userId?: string,
  ): Promise<PermissionCheck> {
    const subject = userId ?? ctx.requireUser().id;
    if (subject !== ctx.user?.id) await this.requireAccess(ctx, 'role:read', projectId);
    const effective =
      subject === ctx.user?.id
        ? await this.permissions.forCaller(ctx, projectId)
        : await this.permissions.resolve(subject, projectId);
    return {
      userId: subject,
      permission,
      allowed: effective.permissions.has(permission),
      sources: effective.sources.get(permission) ?? [],
    };
  }
}
