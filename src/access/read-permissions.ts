import type { Permission } from './permissions';

/**
 * Who may read what a project's streams and its activity feed say of a resource: an event (or an
 * activity entry) of a family is read with that family's read permission, as the feature's own
 * queries are, so no stream shows a member's email, an env key, a token's name or a role change to
 * a caller who could not read them there. Every other family is read with `project:read`, which
 * those streams ask of every caller.
 */
const READ_PERMISSION: Readonly<Record<string, Permission>> = {
  member: 'member:read',
  invitation: 'member:read',
  env: 'env:read',
  token: 'token:read',
  role: 'role:read',
  webhook: 'webhook:read',
  alert: 'alert:read',
  database: 'database:read',
};

/** The permission that reads events and entries of a family (`member` of `member.joined`). */
export function readPermissionOf(type: string): Permission {
  return Object.prototype.hasOwnProperty.call(READ_PERMISSION, type) ? READ_PERMISSION[type]! : 'project:read';
}

/** Whether a caller holding `permissions` may read events and entries of this family. */
export function mayRead(type: string, permissions: ReadonlySet<Permission>): boolean {
  return permissions.has(readPermissionOf(type));
}

/** The families a caller holding `permissions` may not read. */
export function hiddenTypes(permissions: ReadonlySet<Permission>): string[] {
  return Object.keys(READ_PERMISSION).filter((type) => !mayRead(type, permissions));
}
