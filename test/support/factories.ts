import { randomUUID } from 'node:crypto';
import { gql, ok } from './graphql-client';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

const AUTH_FIELDS = 'accessToken refreshToken expiresIn user { id email name }';

export async function registerUser(
  url: string,
  overrides: Partial<{ email: string; name: string; password: string }> = {},
): Promise<TestUser> {
  const email = overrides.email ?? `user-${randomUUID().slice(0, 8)}@example.test`;
  const password = overrides.password ?? 'correct horse battery';
  const data = ok(
    await gql<{ register: { accessToken: string; refreshToken: string; user: { id: string } } }>(
      url,
      `mutation ($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`,
      { input: { email, password, name: overrides.name ?? 'Test User' } },
    ),
  );
  return {
    id: data.register.user.id,
    email,
    password,
    accessToken: data.register.accessToken,
    refreshToken: data.register.refreshToken,
  };
}

export async function createProject(
  url: string,
  token: string,
  name = `Project ${randomUUID().slice(0, 6)}`,
): Promise<{ id: string; slug: string }> {
  const data = ok(
    await gql<{ createProject: { id: string; slug: string } }>(
      url,
      'mutation ($input: CreateProjectInput!) { createProject(input: $input) { id slug } }',
      { input: { name } },
      token,
    ),
  );
  return data.createProject;
}
