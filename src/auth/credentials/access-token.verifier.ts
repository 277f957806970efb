import { Injectable } from '@nestjs/common';
import passport from 'passport';
import { ExpiringCache } from '../../common/cache/expiring-cache';
import type { Principal } from '../../common/context/request-context';
import { AuthException, AuthExceptionReason } from '../auth.exception';
import { SessionsService } from '../sessions.service';
import type { VerifiedClaims } from './access-token-claims';
import type { CredentialVerifier } from './credential-verifier';

const VERIFIED_TOKENS = 20_000;
const VERIFIED_MAX_AGE_MS = 15 * 60_000;
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * Users' access tokens: JWTs checked by the passport-jwt strategy, then their session checked
 * live. A token's signature and expiry never change, so once verified its claims are remembered
 * until it expires and later requests skip straight to the session check; revocation is the
 * session's business, checked on every request.
 */
@Injectable()
export class AccessTokenVerifier implements CredentialVerifier {
  readonly kind = 'access-token';
  /**
   * Keyed by the token's signature (hashing a short key is cheaper than the whole token on every
   * request); a hit counts only when the whole token is the one that was verified.
   */
  private readonly verified = new ExpiringCache<{ token: string; claims: VerifiedClaims }>(
    VERIFIED_TOKENS,
    VERIFIED_MAX_AGE_MS,
  );

  constructor(private readonly sessions: SessionsService) {}

  accepts(bearer: string): boolean {
    return JWT_SHAPE.test(bearer);
  }

  async verify(bearer: string): Promise<Principal> {
    const signature = bearer.slice(bearer.lastIndexOf('.') + 1);
    const known = this.verified.get(signature);
    let claims = known?.token === bearer ? known.claims : undefined;
    if (!claims) {
      const generation = this.verified.generation();
      claims = await this.verifyWithPassport(bearer);
      this.verified.set(signature, { token: bearer, claims }, generation, claims.exp * 1000);
    }
    await this.sessions.assertLive(claims.sid, claims.sub);
    return {
      credential: this.kind,
      user: { id: claims.sub, email: claims.email, sessionId: claims.sid },
      expiresAt: claims.exp * 1000,
    };
  }

  async revalidate(principal: Principal): Promise<void> {
    const user = principal.user;
    if (!user?.sessionId) throw new AuthException(AuthExceptionReason.INVALID_TOKEN, 'The access token is not valid');
    if (principal.expiresAt === undefined || principal.expiresAt <= Date.now()) {
      throw new AuthException(
        AuthExceptionReason.TOKEN_EXPIRED,
        'The access token has expired; reconnect with a new one',
      );
    }
    await this.sessions.assertLive(user.sessionId, user.id);
  }

  private verifyWithPassport(bearer: string): Promise<VerifiedClaims> {
    const request = { headers: { authorization: `Bearer ${bearer}` } };
    return new Promise((resolve, reject) => {
      const handler = passport.authenticate(
        'jwt',
        { session: false },
        (err: unknown, claims: VerifiedClaims | false, info: unknown) => {
          if (err) return reject(err);
          if (claims) return resolve(claims);
          const expired = (info as Error | undefined)?.name === 'TokenExpiredError';
          reject(
            new AuthException(
              expired ? AuthExceptionReason.TOKEN_EXPIRED : AuthExceptionReason.INVALID_TOKEN,
              expired ? 'The access token has expired' : 'The access token is not valid',
            ),
          );
        },
      ) as (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
      handler(request, undefined, (err) => reject(err ?? new Error('passport called next without a result')));
    });
  }
}
