import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum AuthExceptionReason {
  EMAIL_TAKEN = 'EMAIL_TAKEN',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  INVALID_TOKEN = 'INVALID_TOKEN',
  TOKEN_EXPIRED = 'TOKEN_EXPIRED',
  REFRESH_TOKEN_REUSED = 'REFRESH_TOKEN_REUSED',
  SESSION_REVOKED = 'SESSION_REVOKED',
  TOO_MANY_ATTEMPTS = 'TOO_MANY_ATTEMPTS',
}

const CODES: ReasonCodes<AuthExceptionReason> = {
  [AuthExceptionReason.EMAIL_TAKEN]: ErrorCode.CONFLICT,
  [AuthExceptionReason.INVALID_CREDENTIALS]: ErrorCode.UNAUTHENTICATED,
  [AuthExceptionReason.INVALID_TOKEN]: ErrorCode.UNAUTHENTICATED,
  [AuthExceptionReason.TOKEN_EXPIRED]: ErrorCode.UNAUTHENTICATED,
  [AuthExceptionReason.REFRESH_TOKEN_REUSED]: ErrorCode.UNAUTHENTICATED,
  [AuthExceptionReason.SESSION_REVOKED]: ErrorCode.UNAUTHENTICATED,
  [AuthExceptionReason.TOO_MANY_ATTEMPTS]: ErrorCode.RATE_LIMITED,
};

export class AuthException extends AppException<AuthExceptionReason> {
  readonly feature = 'auth';
  protected readonly codes = CODES;
}
