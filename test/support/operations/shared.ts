import { gql, type GraphQLResponse } from '../graphql-client';

/** Posts one document to the API an operations client is bound to. */
export type Send = <T>(
  document: string,
  variables: Record<string, unknown>,
  token: string | undefined,
) => Promise<GraphQLResponse<T>>;

/** A `Send` bound to one API url that adds `headers` to every request. */
export function sender(url: string, headers: Record<string, string>): Send {
  return <T>(document: string, variables: Record<string, unknown>, token: string | undefined) =>
    gql<T>(url, document, variables, token, headers);
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

/** A Relay-style page, as every list of the API returns it. */
export interface Connection<N> {
  totalCount: number;
  edges: { cursor: string; node: N }[];
  pageInfo: PageInfo;
}

export const PAGE_INFO_FIELDS = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';

export interface PageArgs {
  first?: number;
  after?: string | null;
}
