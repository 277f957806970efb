import type { Request } from 'express';
import type { RequestContext } from './request-context';

/**
 * The outcome of authenticating a request or connection: the caller (anonymous when no
 * credential, or a refused one, was presented) and why a presented credential was refused.
 * Authorization decides what a refusal means: public operations ignore it, others fail with it.
 */
export interface Authentication {
  ctx: RequestContext;
  failure?: Error;
}

/** An HTTP request that has been authenticated; the outcome is kept on it for the rest of the request. */
export type AuthenticatedRequest = Request & { slipwayAuthentication?: Authentication };
