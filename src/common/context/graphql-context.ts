import type { Request, Response } from 'express';
import type { RequestContext } from './request-context';

/** The GraphQL context value for HTTP and WebSocket operations alike. */
export interface GraphQLContext {
  req?: Request & { slipwayContext?: RequestContext };
  res?: Response;
  /** Set up front for WebSocket operations; for HTTP the guard builds it from `req`. */
  ctx?: RequestContext;
  /** Where the request came from, for the audit log of subscriptions. */
  transport: 'http' | 'ws';
}
