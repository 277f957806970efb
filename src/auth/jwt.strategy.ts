import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { ContextUser } from '../common/context/request-context';
import { AppConfig } from '../config/app-config';
import { AuthService, type AccessTokenClaims } from './auth.service';
import { jwtKey } from './jwt-key';

/** passport-jwt strategy for `Authorization: Bearer <access token>` on HTTP requests. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly auth: AuthService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: jwtKey(config.jwtSecret) as unknown as string,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  validate(claims: AccessTokenClaims): Promise<ContextUser> {
    return this.auth.validateClaims(claims);
  }
}
