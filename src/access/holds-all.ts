import type { RequestContext } from '../common/context/request-context';
import { AccessException, AccessExceptionReason } from './access.exception';
import type { Permission } from './permissions';

/**
 * Nobody hands out more than they hold: that is how a custom role with `role:assign` or
 * `role:update` is kept from minting owners.
 */
export function assertHoldsAll(ctx: RequestContext, permissions: readonly Permission[], action: string): void {
  const held = ctx.permissions ?? new Set<string>();
  const missing = permissions.filter((p) => !held.has(p));
  if (missing.length > 0) {
    const listed = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ', …' : '');
    throw new AccessException(
      AccessExceptionReason.PERMISSION_DENIED,
      `You cannot ${action}: you do not hold ${listed}`,
    );
  }
}
