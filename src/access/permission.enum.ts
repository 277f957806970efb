import { registerEnumType } from '@nestjs/graphql';
import { PERMISSIONS, type Permission } from './permissions';

/** GraphQL name of a permission: `deployment:promote` → `DEPLOYMENT_PROMOTE`. */
export const permissionEnumKey = (permission: Permission): string => permission.replace(':', '_').toUpperCase();

/** The catalogue as a GraphQL enum whose values are the `resource:action` strings. */
export const PermissionEnum: Record<string, Permission> = Object.fromEntries(
  PERMISSIONS.map((p) => [permissionEnumKey(p), p]),
);

registerEnumType(PermissionEnum, {
  name: 'Permission',
  description: 'A `resource:action` permission from the catalogue.',
});
