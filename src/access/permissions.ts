/**
 * The permission catalogue: every `resource:action` the platform checks. CRUD entries are
 * generated per resource; resource-specific actions are listed beside them.
 */
const CRUD = ['create', 'read', 'update', 'delete'] as const;

export const RESOURCES = {
  project: [],
  member: ['invite'],
  role: ['assign'],
  audit: [],
  build: ['cancel', 'retry'],
  deployment: ['promote', 'rollback'],
  function: ['invoke'],
  database: ['query', 'backup', 'restore'],
  token: ['rotate'],
  webhook: [],
  env: [],
  domain: ['verify'],
  setting: [],
  metric: [],
  alert: [],
} as const satisfies Record<string, readonly string[]>;

export type Resource = keyof typeof RESOURCES;
type CrudPermission = `${Resource}:${(typeof CRUD)[number]}`;
type ExtraPermission = { [R in Resource]: `${R}:${(typeof RESOURCES)[R][number]}` }[Resource];
export type Permission = CrudPermission | ExtraPermission;

export const PERMISSIONS: readonly Permission[] = (Object.keys(RESOURCES) as Resource[]).flatMap((resource) => [
  ...CRUD.map((action) => `${resource}:${action}` as Permission),
  ...RESOURCES[resource].map((action) => `${resource}:${action}` as Permission),
]);

const PERMISSION_SET: ReadonlySet<string> = new Set(PERMISSIONS);

export function isPermission(value: string): value is Permission {
  return PERMISSION_SET.has(value);
}

export enum BuiltInRole {
  OWNER = 'owner',
  ADMIN = 'admin',
  DEVELOPER = 'developer',
  VIEWER = 'viewer',
}

const readAll = PERMISSIONS.filter((p) => p.endsWith(':read'));

/** Permissions of the built-in roles. They are fixed; custom roles cover everything else. */
export const BUILT_IN_ROLE_PERMISSIONS: Record<BuiltInRole, readonly Permission[]> = {
  [BuiltInRole.OWNER]: PERMISSIONS,
  [BuiltInRole.ADMIN]: PERMISSIONS.filter((p) => p !== 'project:delete'),
  [BuiltInRole.DEVELOPER]: [
    ...readAll.filter((p) => p !== 'audit:read' && p !== 'role:read'),
    'build:create',
    'build:cancel',
    'build:retry',
    'deployment:create',
    'deployment:promote',
    'deployment:rollback',
    'function:create',
    'function:update',
    'function:invoke',
    'database:query',
    'database:backup',
    'env:create',
    'env:update',
    'env:delete',
    'domain:create',
    'domain:verify',
    'webhook:create',
    'webhook:update',
    'alert:create',
    'alert:update',
    'metric:create',
  ],
  [BuiltInRole.VIEWER]: readAll.filter((p) => !['audit:read', 'role:read', 'env:read', 'token:read'].includes(p)),
};

export const BUILT_IN_ROLE_NAMES: Record<BuiltInRole, string> = {
  [BuiltInRole.OWNER]: 'Owner',
  [BuiltInRole.ADMIN]: 'Admin',
  [BuiltInRole.DEVELOPER]: 'Developer',
  [BuiltInRole.VIEWER]: 'Viewer',
};

export function isBuiltInRole(value: string): value is BuiltInRole {
  return (Object.values(BuiltInRole) as string[]).includes(value);
}
