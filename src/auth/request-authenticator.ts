import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import type { Authentication } from '../common/context/authentication';
import { RequestContext, type RequestOrigin } from '../common/context/request-context';
import { AuthException, AuthExceptionReason } from './auth.exception';
import { AccessTokenVerifier } from './credentials/access-token.verifier';
import { bearerFromConnectionParams, bearerFromHeader } from './credentials/bearer';
import type { CredentialVerifier } from './credentials/credential-verifier';
import { clientAddress } from '../common/net/proxy-trust';
import { AppConfig } from '../config/app-config';

/**
 * Builds the request context: who is calling (from the credential they present), from where.
 * It only authenticates; what the caller may do is the access guard's decision. Credential kinds
 * plug in through {@link register}.
 */
@Injectable()
export class RequestAuthenticator {
  private readonly verifiers: CredentialVerifier[] = [];

  constructor(
    accessTokens: AccessTokenVerifier,
    private readonly config: AppConfig,
  ) {
    this.register(accessTokens);
  }

  /** Adds a kind of credential; kinds must not accept the same shapes. */
  register(verifier: CredentialVerifier): void {
    if (this.verifiers.some((v) => v.kind === verifier.kind)) {
      throw new Error(`A credential verifier for "${verifier.kind}" is already registered`);
    }
    this.verifiers.push(verifier);
  }

  /** Authenticates an HTTP request; GraphQL requests do it once, into their context. */
  async authenticateRequest(req: Request): Promise<Authentication> {
    const origin = (): RequestOrigin => ({ ip: req.ip, userAgent: req.get('user-agent') ?? undefined });
    let authentication: Authentication;
    try {
      authentication = { ctx: await this.contextFor(bearerFromHeader(req.headers.authorization), origin, 'request') };
    } catch (failure) {
      authentication = { ctx: RequestContext.anonymous(origin), failure: failure as Error };
    }
    return authentication;
  }

  /** Authenticates a WebSocket connection from its connection params; throws when a credential is refused. */
  authenticateConnection(
    params: Record<string, unknown> | undefined | null,
    req: IncomingMessage,
  ): Promise<RequestContext> {
    // Through the proxies Express trusts, as `req.ip` is for HTTP requests.
    const ip = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.config.proxyTrust);
    const origin = { ip, userAgent: req.headers['user-agent'] };
    return this.contextFor(bearerFromConnectionParams(params), origin, 'connection');
  }

  /**
   * Re-checks the caller of a long-lived connection before another of its operations: the
   * credential may have expired or been revoked since the connection was authenticated.
   */
  async revalidate(ctx: RequestContext): Promise<Error | undefined> {
    const principal = ctx.principal;
    if (!principal) return undefined;
    try {
      await this.verifierOf(principal.credential).revalidate(principal);
      return undefined;
    } catch (failure) {
      return failure as Error;
    }
  }

  /** {@link revalidate} for a new operation on a long-lived connection, which counts as a use of its credential. */
  async revalidateOperation(ctx: RequestContext): Promise<Error | undefined> {
    const failure = await this.revalidate(ctx);
    if (!failure && ctx.credential) this.verifierOf(ctx.credential).used?.(ctx);
    return failure;
  }

  /** `use`: an HTTP request is a use of its credential; a connection is not, each of its operations is. */
  private async contextFor(
    bearer: string | undefined,
    origin: RequestOrigin | (() => RequestOrigin),
    use: 'request' | 'connection',
  ): Promise<RequestContext> {
    if (bearer === undefined) return RequestContext.anonymous(origin);
    const verifier = this.verifiers.find((v) => v.accepts(bearer));
    if (!verifier) throw new AuthException(AuthExceptionReason.INVALID_TOKEN, 'The access token is not valid');
    const ctx = new RequestContext(await verifier.verify(bearer), origin);
    if (use === 'request') verifier.used?.(ctx);
    return ctx;
  }

  private verifierOf(kind: string): CredentialVerifier {
    const verifier = this.verifiers.find((v) => v.kind === kind);
    if (!verifier) throw new Error(`No credential verifier is registered for "${kind}"`);
    return verifier;
  }
}
