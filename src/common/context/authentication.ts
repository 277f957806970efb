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

/**
 * Outcomes kept per HTTP request beside it, not on it: a property added to Node's request object
 * changes its shape and slows every later property read of it, in Express and in Node's streams.
 */
const outcomes = new WeakMap<Request, Authentication>();

export function rememberAuthentication(req: Request, authentication: Authentication): void {
  outcomes.set(req, authentication);
}

/** The outcome of authenticating `req`, once it has been. */
export function authenticationOf(req: Request): Authentication | undefined {
  return outcomes.get(req);
}
