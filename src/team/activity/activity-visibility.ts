import type { Permission } from '../../access/permissions';

/**
 * Who may read which entries of the feed: an entry's object type (its event's family) is read
 * with that family's read permission, as the feature's own queries are, so the feed shows no
 * member's email, env key, token name or role change to a caller who could not read them there.
 * Every other family is read with `project:read`, which the feed asks of every caller.
 */
const READ_PERMISSION: Readonly<Record<string, Permission>> = {
  member: 'member:read',
  invitation: 'member:read',
  env: 'env:read',
  token: 'token:read',
  role: 'role:read',
  webhook: 'webhook:read',
};

/** The permission that reads entries of an object type. */
export function readPermissionOf(type: string): Permission {
  return Object.prototype.hasOwnProperty.call(READ_PERMISSION, type) ? READ_PERMISSION[type]! : 'project:read';
}

/** Whether a caller holding `permissions` may read an entry of this object type. */
export function mayRead(type: string, permissions: ReadonlySet<Permission>): boolean {
  return permissions.has(readPermissionOf(type));
}

/** The object types whose entries a caller holding `permissions` may not read. */
export function hiddenTypes(permissions: ReadonlySet<Permission>): string[] {
  return Object.keys(READ_PERMISSION).filter((type) => !mayRead(type, permissions));
}
