import type { ContextToken } from '../common/context/request-context';
import { AccessException, AccessExceptionReason } from './access.exception';
import type { EffectivePermissions } from './effective-permissions.service';
import type { Permission } from './permissions';

export const NO_PERMISSIONS: EffectivePermissions = Object.freeze({
  permissions: new Set<Permission>(),
  sources: new Map<Permission, string[]>(),
});

/**
 * What a token may do in a project: its owner's permissions there now, narrowed to the token's
 * scopes, and nothing outside the one project a restricted token names. A token never holds
 * more than its owner does at the moment of asking.
 */
export function narrowToToken(
  owner: EffectivePermissions,
  token: ContextToken,
  projectId: string,
): EffectivePermissions {
  if (token.projectId !== undefined && token.projectId !== projectId) return NO_PERMISSIONS;
  const permissions = new Set<Permission>();
  const sources = new Map<Permission, string[]>();
  for (const scope of token.scopes) {
    const permission = scope as Permission;
    if (!owner.permissions.has(permission)) continue;
    permissions.add(permission);
    sources.set(permission, owner.sources.get(permission) ?? []);
  }
  return { permissions, sources };
}

/**
 * Why a token caller lacks `permission` in a project, said precisely (another project, not in
 * its scopes), or undefined when the reason is its owner's own rights.
 */
export function tokenRefusal(
  token: ContextToken | undefined,
  projectId: string,
  permission: Permission,
): AccessException | undefined {
  if (!token) return undefined;
  if (token.projectId !== undefined && token.projectId !== projectId) {
    return new AccessException(
      AccessExceptionReason.TOKEN_PROJECT_MISMATCH,
      'This API token is restricted to another project',
      { permission },
    );
  }
  if (!token.scopes.includes(permission)) {
    return new AccessException(
      AccessExceptionReason.TOKEN_SCOPE_MISSING,
      `This API token's scopes do not include ${permission}`,
      { permission },
    );
  }
  return undefined;
}
