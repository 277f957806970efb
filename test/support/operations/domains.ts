import type { GraphQLResponse } from '../graphql-client';
import type { Send } from './shared';

export interface Domain {
  id: string;
  projectId: string;
  hostname: string;
  unicodeHostname: string;
  status: 'PENDING' | 'VERIFIED' | 'FAILED';
  verificationRecord: { name: string; type: 'TXT'; value: string };
  verifiedAt: string | null;
  lastCheckedAt: string | null;
  nextCheckAt: string | null;
  failureCode: string | null;
  failureReason: string | null;
  consecutiveFailures: number;
  isPrimary: boolean;
  createdAt: string;
}

const DOMAIN_FIELDS = `id projectId hostname unicodeHostname status verificationRecord { name type value }
  verifiedAt lastCheckedAt nextCheckAt failureCode failureReason consecutiveFailures isPrimary createdAt`;

export const ADD_DOMAIN = `mutation ($input: AddDomainInput!) { addDomain(input: $input) { ${DOMAIN_FIELDS} } }`;
export const VERIFY_DOMAIN = `mutation ($input: DomainRefInput!) { verifyDomain(input: $input) { ${DOMAIN_FIELDS} } }`;
export const SET_PRIMARY_DOMAIN = `mutation ($input: DomainRefInput!) { setPrimaryDomain(input: $input) { ${DOMAIN_FIELDS} } }`;
export const REMOVE_DOMAIN = `mutation ($input: DomainRefInput!) { removeDomain(input: $input) }`;
export const DOMAINS = `query ($projectId: ID!) { domains(projectId: $projectId) { ${DOMAIN_FIELDS} } }`;
export const DOMAIN = `query ($id: ID!) { domain(id: $id) { ${DOMAIN_FIELDS} } }`;

export interface DomainOperations {
  add(
    token: string | undefined,
    input: { projectId: string; hostname: string },
  ): Promise<GraphQLResponse<{ addDomain: Domain }>>;
  verify(token: string | undefined, input: { domainId: string }): Promise<GraphQLResponse<{ verifyDomain: Domain }>>;
  setPrimary(
    token: string | undefined,
    input: { domainId: string },
  ): Promise<GraphQLResponse<{ setPrimaryDomain: Domain }>>;
  remove(token: string | undefined, input: { domainId: string }): Promise<GraphQLResponse<{ removeDomain: boolean }>>;
  list(token: string | undefined, args: { projectId: string }): Promise<GraphQLResponse<{ domains: Domain[] }>>;
  get(token: string | undefined, args: { id: string }): Promise<GraphQLResponse<{ domain: Domain }>>;
}

export function domainOperations(send: Send): DomainOperations {
  return {
    add: (token, input) => send(ADD_DOMAIN, { input }, token),
    verify: (token, input) => send(VERIFY_DOMAIN, { input }, token),
    setPrimary: (token, input) => send(SET_PRIMARY_DOMAIN, { input }, token),
    remove: (token, input) => send(REMOVE_DOMAIN, { input }, token),
    list: (token, args) => send(DOMAINS, { ...args }, token),
    get: (token, args) => send(DOMAIN, { ...args }, token),
  };
}
