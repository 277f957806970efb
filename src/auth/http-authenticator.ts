import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import passport from 'passport';
import type { ContextUser } from '../common/context/request-context';
import { ExpiringCache } from '../common/cache/expiring-cache';
import { AuthException, AuthExceptionReason } from './auth.exception';
import { AuthService, type AccessTokenClaims } from './auth.service';

const VERIFIED_TOKENS = 20_000;
const VERIFIED_MAX_AGE_MS = 15 * 60_000;

/**
 * Runs the passport-jwt strategy on an HTTP request; no Authorization header means anonymous.
 * A token's signature and expiry never change, so once verified its claims are remembered until
 * it expires and later requests skip straight to the session check; revocation is the session's
 * business, checked on every request.
 */
@Injectable()
export class HttpAuthenticator {
  private readonly verified = new ExpiringCache<AccessTokenClaims>(VERIFIED_TOKENS, VERIFIED_MAX_AGE_MS);

  constructor(private readonly auth: AuthService) {}

  async authenticate(req: Request): Promise<ContextUser | undefined> {
    const header = req.headers.authorization;
    if (!header) return undefined;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new AuthException(AuthExceptionReason.INVALID_TOKEN, 'The Authorization header must be `Bearer <token>`');
    }
    const token = match[1]!;
    const claims = this.verified.get(token);
    if (claims) return this.auth.validateClaims(claims);
    const user = await this.verifyWithPassport(req);
    const verifiedClaims = JSON.parse(
      Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'),
    ) as AccessTokenClaims & {
      exp: number;
    };
    this.verified.set(token, verifiedClaims, this.verified.generation(), verifiedClaims.exp * 1000);
    return user;
  }

  private verifyWithPassport(req: Request): Promise<ContextUser> {
    return new Promise((resolve, reject) => {
      const handler = passport.authenticate(
        'jwt',
        { session: false },
        (err: unknown, user: ContextUser | false, info: unknown) => {
          if (err) return reject(err);
          if (user) return resolve(user);
          const expired = (info as Error | undefined)?.name === 'TokenExpiredError';
          reject(
            new AuthException(
              expired ? AuthExceptionReason.TOKEN_EXPIRED : AuthExceptionReason.INVALID_TOKEN,
              expired ? 'The access token has expired' : 'The access token is not valid',
            ),
          );
        },
      ) as (req: Request, res: unknown, next: (err?: unknown) => void) => void;
      handler(req, undefined, (err) => reject(err ?? new Error('passport called next without a result')));
    });
  }
}
