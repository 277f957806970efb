import type { GraphQLResponse } from '../graphql-client';
import type { Send } from './shared';

export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: string;
}

export interface AuthPayload {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: User;
}

export interface RegisterInput {
  email: string;
  name: string;
  password: string;
}

export interface LoginInput {
  email: string;
  password: string;
}

export interface RefreshTokenInput {
  refreshToken: string;
}

const USER_FIELDS = 'id email name createdAt';
const AUTH_FIELDS = `accessToken refreshToken expiresIn user { ${USER_FIELDS} }`;

export const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`;
export const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { ${AUTH_FIELDS} } }`;
export const REFRESH_TOKEN = `mutation ($input: RefreshTokenInput!) { refreshToken(input: $input) { ${AUTH_FIELDS} } }`;
export const LOGOUT = 'mutation { logout }';
export const ME = `{ me { ${USER_FIELDS} } }`;

export interface AuthOperations {
  register(input: RegisterInput): Promise<GraphQLResponse<{ register: AuthPayload }>>;
  /** `token`, when given, is sent along as a client holding a stale session would send it. */
  login(input: LoginInput, token?: string): Promise<GraphQLResponse<{ login: AuthPayload }>>;
  refreshToken(input: RefreshTokenInput): Promise<GraphQLResponse<{ refreshToken: AuthPayload }>>;
  logout(token: string | undefined): Promise<GraphQLResponse<{ logout: boolean }>>;
  me(token: string | undefined): Promise<GraphQLResponse<{ me: User }>>;
}

export function authOperations(send: Send): AuthOperations {
  return {
    register: (input) => send(REGISTER, { input }, undefined),
    login: (input, token) => send(LOGIN, { input }, token),
    refreshToken: (input) => send(REFRESH_TOKEN, { input }, undefined),
    logout: (token) => send(LOGOUT, {}, token),
    me: (token) => send(ME, {}, token),
  };
}
