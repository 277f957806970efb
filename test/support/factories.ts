import { randomUUID } from 'node:crypto';
import { ok, waitFor } from './graphql-client';
import {
  operations,
  type AssignRoleInput,
  type ApiTokenSecret,
  type Build,
  type CreateApiTokenInput,
  type CreateRoleInput,
  type GrantPermissionInput,
  type PermissionGrant,
  type Project,
  type Role,
  type RoleAssignment,
} from './operations';

/*
 * Seed data for the end-to-end specs, created through the GraphQL API as a client would, so
 * that what a spec starts from went through the same rules as what it tests.
 */

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** Signs up a user with a unique email unless one is given. */
export async function registerUser(
  url: string,
  overrides: Partial<{ email: string; name: string; password: string }> = {},
): Promise<TestUser> {
  const email = overrides.email ?? `user-${randomUUID().slice(0, 8)}@example.test`;
  const password = overrides.password ?? 'correct horse battery';
  const { register } = ok(
    await operations(url).auth.register({ email, password, name: overrides.name ?? 'Test User' }),
  );
  return {
    id: register.user.id,
    email,
    password,
    accessToken: register.accessToken,
    refreshToken: register.refreshToken,
  };
}

/** Creates a project owned by the holder of `token`. */
export async function createProject(
  url: string,
  token: string,
  name = `Project ${randomUUID().slice(0, 6)}`,
): Promise<Project> {
  return ok(await operations(url).projects.create(token, { name })).createProject;
}

/** Creates a custom role in a project, with a unique name and no permissions unless given. */
export async function createRole(
  url: string,
  token: string,
  projectId: string,
  overrides: Partial<Omit<CreateRoleInput, 'projectId'>> = {},
): Promise<Role> {
  const input = { name: `Role ${randomUUID().slice(0, 6)}`, permissions: [], ...overrides, projectId };
  return ok(await operations(url).access.createRole(token, input)).createRole;
}

/** Gives a user a role (a built-in key or a custom role id) in a project. */
export async function assignRole(url: string, token: string, input: AssignRoleInput): Promise<RoleAssignment> {
  return ok(await operations(url).access.assignRole(token, input)).assignRole;
}

/** Grants a user one permission directly in a project. */
export async function grantPermission(
  url: string,
  token: string,
  input: GrantPermissionInput,
): Promise<PermissionGrant> {
  return ok(await operations(url).access.grantPermission(token, input)).grantPermission;
}

/** Creates an API token as the holder of `token` (a user's access token); the secret is in the result. */
export async function createApiToken(
  url: string,
  token: string,
  input: Partial<CreateApiTokenInput> & Pick<CreateApiTokenInput, 'scopes'>,
): Promise<ApiTokenSecret> {
  const full = { name: `Token ${randomUUID().slice(0, 6)}`, ...input };
  return ok(await operations(url).tokens.create(token, full)).createApiToken;
}

/** Statuses a build ends in. */
export const FINISHED_BUILD_STATUSES = ['SUCCEEDED', 'FAILED', 'CANCELED', 'TIMED_OUT'];

/** Polls a build until it has ended, and returns it as it ended. */
export function finishedBuild(url: string, token: string, buildId: string, timeoutMs = 30_000): Promise<Build> {
  return waitFor(
    async () => {
      const current = ok(await operations(url).builds.get(token, { id: buildId })).build;
      return FINISHED_BUILD_STATUSES.includes(current.status) ? current : undefined;
    },
    timeoutMs,
    `build ${buildId} to finish`,
  );
}
