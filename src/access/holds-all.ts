import type { RequestContext } from '../common/context/request-context';
import { AccessException, AccessExceptionReason } from './access.exception';
import type { Permission } from './permissions';

/**
 * Nobody hands out more than they hold: that is how a custom role with `role:assign` or
 * `role:update` is kept from minting owners.
 */
export function assertHoldsAll(
  ctx: RequestContext,
  projectId: string,
  permissions: readonly Permission[],
  action: string,
): void {
  // The permissions in the context are those of the project the guard checked; they say nothing
  // about any other project.
  const held = ctx.projectId === projectId.toLowerCase() ? (ctx.permissions ?? new Set<string>()) : new Set<string>();
  const missing = permissions.filter((p) => !held.has(p));
  if (missing.length > 0) {
    const listed = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ', …' : '');
    throw new AccessException(
      AccessExceptionReason.PERMISSION_DENIED,
      `You cannot ${action}: you do not hold ${listed}`,
    );
  }
}
