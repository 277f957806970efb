import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../config/app-config';
import { AuthException, AuthExceptionReason } from '../auth.exception';
import { canonicalId } from '../../common/mongo/object-id';
import type { VerifiedClaims } from './access-token-claims';
import { jwtKey } from './jwt-key';

/** passport-jwt strategy: checks an access token's signature, algorithm, expiry and claims' shape (`exp`, `iat` and `sid` required). */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: jwtKey(config.jwtSecret) as unknown as string,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  validate(claims: VerifiedClaims): VerifiedClaims {
    // Every access token this API signs expires, says when it was issued and names its session;
    // one without `exp`, `iat` or `sid` was not signed here, and would never expire or be revocable.
    if (
      claims.typ !== 'access' ||
      !canonicalId(claims.sid) ||
      !canonicalId(claims.sub) ||
      !Number.isFinite(claims.exp) ||
      !Number.isFinite(claims.iat)
    ) {
      throw new AuthException(AuthExceptionReason.INVALID_TOKEN, 'The access token is not valid');
    }
    return claims;
  }
}
