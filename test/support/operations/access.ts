import type { GraphQLResponse } from '../graphql-client';
import { PAGE_INFO_FIELDS, type Connection, type PageArgs, type Send } from './shared';

/**
 * A key of the schema's `Permission` enum, such as `PROJECT_READ`. Left a plain string so that
 * tests can send keys the catalogue does not have.
 */
export type PermissionKey = string;

export interface Role {
  /** A built-in role key (`owner`, `admin`, `developer`, `viewer`) or a custom role id. */
  id: string;
  projectId: string | null;
  name: string;
  description: string;
  builtIn: boolean;
  permissions: PermissionKey[];
  userCount: number;
  createdAt: string | null;
}

export interface RoleAssignment {
  id: string;
  projectId: string;
  userId: string;
  expiresAt: string | null;
  grantedBy: string | null;
  createdAt: string;
  role: Omit<Role, 'userCount'>;
}

export interface PermissionGrant {
  id: string;
  projectId: string;
  userId: string;
  permission: PermissionKey;
  expiresAt: string | null;
  grantedBy: string | null;
  createdAt: string;
}

export interface PermissionCheck {
  userId: string;
  permission: PermissionKey;
  allowed: boolean;
  sources: string[];
}

export interface CreateRoleInput {
  projectId: string;
  name: string;
  description?: string | null;
  permissions: PermissionKey[];
}

export interface UpdateRolePermissionsInput {
  roleId: string;
  permissions: PermissionKey[];
}

export interface DeleteRoleInput {
  roleId: string;
}

export interface AssignRoleInput {
  projectId: string;
  userId: string;
  roleId: string;
  expiresAt?: string | null;
}

export interface RemoveRoleInput {
  projectId: string;
  userId: string;
  roleId: string;
}

export interface GrantPermissionInput {
  projectId: string;
  userId: string;
  permission: PermissionKey;
  expiresAt?: string | null;
}

export interface RevokePermissionInput {
  projectId: string;
  userId: string;
  permission: PermissionKey;
}

export interface UserRolesArgs extends PageArgs {
  projectId: string;
  userId?: string | null;
}

export interface CheckPermissionArgs {
  projectId: string;
  permission: PermissionKey;
  userId?: string | null;
}

const ROLE_FIELDS = 'id projectId name description builtIn permissions userCount createdAt';
// The API counts holders only for roles it lists, so an assignment's role leaves userCount out.
const ASSIGNMENT_FIELDS =
  'id projectId userId expiresAt grantedBy createdAt role { id projectId name description builtIn permissions createdAt }';
const GRANT_FIELDS = 'id projectId userId permission expiresAt grantedBy createdAt';

export const LIST_PERMISSIONS = '{ permissions }';
export const ROLES = `query ($projectId: ID!) { roles(projectId: $projectId) { ${ROLE_FIELDS} } }`;
export const CREATE_ROLE = `mutation ($input: CreateRoleInput!) { createRole(input: $input) { ${ROLE_FIELDS} } }`;
export const UPDATE_ROLE_PERMISSIONS = `mutation ($input: UpdateRolePermissionsInput!) {
  updateRolePermissions(input: $input) { ${ROLE_FIELDS} }
}`;
export const DELETE_ROLE = 'mutation ($input: DeleteRoleInput!) { deleteRole(input: $input) }';
export const ASSIGN_ROLE = `mutation ($input: AssignRoleInput!) { assignRole(input: $input) { ${ASSIGNMENT_FIELDS} } }`;
export const REMOVE_ROLE = 'mutation ($input: RemoveRoleInput!) { removeRole(input: $input) }';
export const GRANT_PERMISSION = `mutation ($input: GrantPermissionInput!) {
  grantPermission(input: $input) { ${GRANT_FIELDS} }
}`;
export const REVOKE_PERMISSION = 'mutation ($input: RevokePermissionInput!) { revokePermission(input: $input) }';
export const USER_ROLES = `query ($projectId: ID!, $userId: ID, $first: Int, $after: String) {
  userRoles(projectId: $projectId, userId: $userId, first: $first, after: $after) {
    totalCount
    edges { cursor node { ${ASSIGNMENT_FIELDS} } }
    ${PAGE_INFO_FIELDS}
  }
}`;
export const CHECK_PERMISSION = `query ($projectId: ID!, $permission: Permission!, $userId: ID) {
  checkPermission(projectId: $projectId, permission: $permission, userId: $userId) { userId permission allowed sources }
}`;

export interface AccessOperations {
  permissions(token: string | undefined): Promise<GraphQLResponse<{ permissions: PermissionKey[] }>>;
  roles(token: string | undefined, args: { projectId: string }): Promise<GraphQLResponse<{ roles: Role[] }>>;
  createRole(token: string | undefined, input: CreateRoleInput): Promise<GraphQLResponse<{ createRole: Role }>>;
  updateRolePermissions(
    token: string | undefined,
    input: UpdateRolePermissionsInput,
  ): Promise<GraphQLResponse<{ updateRolePermissions: Role }>>;
  deleteRole(token: string | undefined, input: DeleteRoleInput): Promise<GraphQLResponse<{ deleteRole: boolean }>>;
  assignRole(
    token: string | undefined,
    input: AssignRoleInput,
  ): Promise<GraphQLResponse<{ assignRole: RoleAssignment }>>;
  removeRole(token: string | undefined, input: RemoveRoleInput): Promise<GraphQLResponse<{ removeRole: boolean }>>;
  grantPermission(
    token: string | undefined,
    input: GrantPermissionInput,
  ): Promise<GraphQLResponse<{ grantPermission: PermissionGrant }>>;
  revokePermission(
    token: string | undefined,
    input: RevokePermissionInput,
  ): Promise<GraphQLResponse<{ revokePermission: boolean }>>;
  userRoles(
    token: string | undefined,
    args: UserRolesArgs,
  ): Promise<GraphQLResponse<{ userRoles: Connection<RoleAssignment> }>>;
  checkPermission(
    token: string | undefined,
    args: CheckPermissionArgs,
  ): Promise<GraphQLResponse<{ checkPermission: PermissionCheck }>>;
}

export function accessOperations(send: Send): AccessOperations {
  return {
    permissions: (token) => send(LIST_PERMISSIONS, {}, token),
    roles: (token, args) => send(ROLES, { ...args }, token),
    createRole: (token, input) => send(CREATE_ROLE, { input }, token),
    updateRolePermissions: (token, input) => send(UPDATE_ROLE_PERMISSIONS, { input }, token),
    deleteRole: (token, input) => send(DELETE_ROLE, { input }, token),
    assignRole: (token, input) => send(ASSIGN_ROLE, { input }, token),
    removeRole: (token, input) => send(REMOVE_ROLE, { input }, token),
    grantPermission: (token, input) => send(GRANT_PERMISSION, { input }, token),
    revokePermission: (token, input) => send(REVOKE_PERMISSION, { input }, token),
    userRoles: (token, args) => send(USER_ROLES, { ...args }, token),
    checkPermission: (token, args) => send(CHECK_PERMISSION, { ...args }, token),
  };
}
