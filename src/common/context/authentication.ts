import type { Response } from 'express';
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
 * Where a plain HTTP request (a controller, not GraphQL) keeps its outcome: Express's per-request
 * `res.locals`, not a property added to the request, which would change the shape of Node's request
 * objects and slow every later read of them.
 */
export function rememberAuthentication(res: Response, authentication: Authentication): void {
  res.locals.authentication = authentication;
}

export function authenticationOf(res: Response): Authentication | undefined {
  return res.locals.authentication as Authentication | undefined;
}
