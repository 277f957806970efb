import { PERMISSIONS, RESOURCES, isPermission, type Permission, type Resource } from '../access/permissions';
import { ApiTokenException, ApiTokenExceptionReason } from './api-token.exception';

/** Most scopes one token lists (the whole catalogue, or fewer wildcards). */
export const MAX_SCOPES = PERMISSIONS.length;

const isResource = (value: string): value is Resource => Object.prototype.hasOwnProperty.call(RESOURCES, value);

/**
 * A token's scopes as they are stored: each a permission of the catalogue (`build:create`) or
 * every action on one resource (`build:*`), trimmed, without repeats, in the order given.
 * Anything else is refused with UNKNOWN_SCOPE naming it.
 */
export function checkScopes(raw: readonly string[]): string[] {
  const scopes: string[] = [];
  for (const item of raw) {
    const scope = item.trim();
    const resource = scope.endsWith(':*') ? scope.slice(0, -2) : undefined;
    if (!isPermission(scope) && !(resource !== undefined && isResource(resource))) {
      throw new ApiTokenException(
        ApiTokenExceptionReason.UNKNOWN_SCOPE,
        `"${scope.slice(0, 100)}" is not a scope: name a permission of the catalogue (build:create) or a resource's wildcard (build:*)`,
        { scope: scope.slice(0, 100) },
      );
    }
    if (!scopes.includes(scope)) scopes.push(scope);
  }
  return scopes;
}

/** The permissions stored scopes stand for, wildcards expanded against today's catalogue. */
export function expandScopes(scopes: readonly string[]): Permission[] {
  const out = new Set<Permission>();
  for (const scope of scopes) {
    if (isPermission(scope)) {
      out.add(scope);
    } else if (scope.endsWith(':*')) {
      const resource = scope.slice(0, -2);
      for (const permission of PERMISSIONS) if (permission.startsWith(`${resource}:`)) out.add(permission);
    }
  }
  return [...out];
}
