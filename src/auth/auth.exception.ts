import { AppException } from '../common/errors/app.exception';

export enum AuthExceptionReason {
  EMAIL_TAKEN = 'EMAIL_TAKEN',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  INVALID_TOKEN = 'INVALID_TOKEN',
  TOKEN_EXPIRED = 'TOKEN_EXPIRED',
  REFRESH_TOKEN_REUSED = 'REFRESH_TOKEN_REUSED',
  SESSION_REVOKED = 'SESSION_REVOKED',
  TOO_MANY_ATTEMPTS = 'TOO_MANY_ATTEMPTS',
}

export class AuthException extends AppException<AuthExceptionReason> {
  readonly feature = 'auth';
}
