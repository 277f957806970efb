import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import passport from 'passport';
import type { ContextUser } from '../common/context/request-context';
import { AuthException, AuthExceptionReason } from './auth.exception';

/** Runs the passport-jwt strategy on an HTTP request; no Authorization header means anonymous. */
@Injectable()
export class HttpAuthenticator {
  authenticate(req: Request): Promise<ContextUser | undefined> {
    const header = req.headers.authorization;
    if (!header) return Promise.resolve(undefined);
    if (!/^Bearer\s+\S+$/i.test(header)) {
      return Promise.reject(
        new AuthException(AuthExceptionReason.INVALID_TOKEN, 'The Authorization header must be `Bearer <token>`'),
      );
    }
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
