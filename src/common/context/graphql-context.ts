import type { Request, Response } from 'express';
import type { Authentication } from './authentication';

/** The GraphQL context value for HTTP and WebSocket operations alike, authenticated before any resolver runs. */
export interface GraphQLContext extends Authentication {
  req?: Request;
  res?: Response;
  /** Where the request came from, for the audit log of subscriptions. */
  transport: 'http' | 'ws';
}
