import type { GraphQLResponse } from '../graphql-client';
import { PAGE_INFO_FIELDS, type Connection, type PageArgs, type Send } from './shared';

export type ApiTokenStatus = 'ACTIVE' | 'EXPIRED' | 'REVOKED';

export interface ApiToken {
  id: string;
  name: string;
  projectId: string | null;
  ownerId: string;
  scopes: string[];
  displayPrefix: string;
  status: ApiTokenStatus;
  expiresAt: string | null;
  revokedAt: string | null;
  rotatedAt: string | null;
  previousSecretValidUntil: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  createdAt: string;
}

export interface ApiTokenSecret {
  secret: string;
  projectId: string | null;
  token: ApiToken;
}

export interface ApiTokenUsage {
  tokenId: string;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  totalCount: number;
  days: { day: string; count: number }[];
}

export interface CreateApiTokenInput {
  projectId?: string | null;
  name: string;
  scopes: string[];
  expiresAt?: string | null;
}

export interface RotateApiTokenInput {
  id: string;
  gracePeriodSeconds: number;
}

export interface UpdateApiTokenScopesInput {
  id: string;
  scopes: string[];
}

export interface ApiTokensArgs extends PageArgs {
  projectId?: string | null;
}

const TOKEN_FIELDS = `id name projectId ownerId scopes displayPrefix status expiresAt revokedAt rotatedAt
  previousSecretValidUntil lastUsedAt lastUsedIp createdAt`;
const SECRET_FIELDS = `secret projectId token { ${TOKEN_FIELDS} }`;

export const CREATE_API_TOKEN = `mutation ($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { ${SECRET_FIELDS} }
}`;
export const API_TOKENS = `query ($projectId: ID, $first: Int, $after: String) {
  apiTokens(projectId: $projectId, first: $first, after: $after) {
    totalCount
    edges { cursor node { ${TOKEN_FIELDS} } }
    ${PAGE_INFO_FIELDS}
  }
}`;
export const REVOKE_API_TOKEN = `mutation ($input: ApiTokenRefInput!) { revokeApiToken(input: $input) { ${TOKEN_FIELDS} } }`;
export const ROTATE_API_TOKEN = `mutation ($input: RotateApiTokenInput!) {
  rotateApiToken(input: $input) { ${SECRET_FIELDS} }
}`;
export const UPDATE_API_TOKEN_SCOPES = `mutation ($input: UpdateApiTokenScopesInput!) {
  updateApiTokenScopes(input: $input) { ${TOKEN_FIELDS} }
}`;
export const API_TOKEN_USAGE = `query ($id: ID!, $days: Int) {
  apiTokenUsage(id: $id, days: $days) { tokenId lastUsedAt lastUsedIp totalCount days { day count } }
}`;

export interface TokenOperations {
  /** `createApiToken`: the secret, shown this once. */
  create(
    token: string | undefined,
    input: CreateApiTokenInput,
  ): Promise<GraphQLResponse<{ createApiToken: ApiTokenSecret }>>;
  /** `apiTokens`: the caller's tokens, or a project's. */
  list(token: string | undefined, args?: ApiTokensArgs): Promise<GraphQLResponse<{ apiTokens: Connection<ApiToken> }>>;
  /** `revokeApiToken` */
  revoke(token: string | undefined, input: { id: string }): Promise<GraphQLResponse<{ revokeApiToken: ApiToken }>>;
  /** `rotateApiToken`: the new secret, shown this once. */
  rotate(
    token: string | undefined,
    input: RotateApiTokenInput,
  ): Promise<GraphQLResponse<{ rotateApiToken: ApiTokenSecret }>>;
  /** `updateApiTokenScopes` */
  updateScopes(
    token: string | undefined,
    input: UpdateApiTokenScopesInput,
  ): Promise<GraphQLResponse<{ updateApiTokenScopes: ApiToken }>>;
  /** `apiTokenUsage` */
  usage(
    token: string | undefined,
    args: { id: string; days?: number },
  ): Promise<GraphQLResponse<{ apiTokenUsage: ApiTokenUsage }>>;
}

export function tokenOperations(send: Send): TokenOperations {
  return {
    create: (token, input) => send(CREATE_API_TOKEN, { input }, token),
    list: (token, args = {}) => send(API_TOKENS, { ...args }, token),
    revoke: (token, input) => send(REVOKE_API_TOKEN, { input }, token),
    rotate: (token, input) => send(ROTATE_API_TOKEN, { input }, token),
    updateScopes: (token, input) => send(UPDATE_API_TOKEN_SCOPES, { input }, token),
    usage: (token, args) => send(API_TOKEN_USAGE, { ...args }, token),
  };
}
