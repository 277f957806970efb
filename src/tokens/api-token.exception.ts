import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum ApiTokenExceptionReason {
  /** Not `slw_` + 36 base62 characters with a matching checksum: refused without a database read. */
  MALFORMED_TOKEN = 'MALFORMED_TOKEN',
  /** Well formed, but no token has this secret. */
  INVALID_TOKEN = 'INVALID_TOKEN',
  TOKEN_EXPIRED = 'TOKEN_EXPIRED',
  TOKEN_REVOKED = 'TOKEN_REVOKED',
  /** The secret was replaced by rotation and its grace period is over. */
  TOKEN_ROTATED = 'TOKEN_ROTATED',
  /** The token's scopes changed while a WebSocket connection used it; reconnect. */
  TOKEN_SCOPES_CHANGED = 'TOKEN_SCOPES_CHANGED',
  /** The token's owner account no longer exists. */
  TOKEN_OWNER_GONE = 'TOKEN_OWNER_GONE',
  TOKEN_NOT_FOUND = 'TOKEN_NOT_FOUND',
  UNKNOWN_SCOPE = 'UNKNOWN_SCOPE',
  EXPIRY_IN_PAST = 'EXPIRY_IN_PAST',
  /** Managing tokens takes a user's sign-in, so a leaked token cannot mint or keep more. */
  USER_SIGN_IN_REQUIRED = 'USER_SIGN_IN_REQUIRED',
  /** Only a token's owner may rotate it or change its scopes. */
  NOT_TOKEN_OWNER = 'NOT_TOKEN_OWNER',
  TOKEN_LIMIT_REACHED = 'TOKEN_LIMIT_REACHED',
  /** A revoked or expired token cannot be rotated or rescoped. */
  TOKEN_INACTIVE = 'TOKEN_INACTIVE',
}

const CODES: ReasonCodes<ApiTokenExceptionReason> = {
  [ApiTokenExceptionReason.MALFORMED_TOKEN]: ErrorCode.UNAUTHENTICATED,
  [ApiTokenExceptionReason.INVALID_TOKEN]: ErrorCode.UNAUTHENTICATED,
  [ApiTokenExceptionReason.TOKEN_EXPIRED]: ErrorCode.UNAUTHENTICATED,
  [ApiTokenExceptionReason.TOKEN_REVOKED]: ErrorCode.UNAUTHENTICATED,
  [ApiTokenExceptionReason.TOKEN_ROTATED]: ErrorCode.UNAUTHENTICATED,
  [ApiTokenExceptionReason.TOKEN_SCOPES_CHANGED]: ErrorCode.UNAUTHENTICATED,
  [ApiTokenExceptionReason.TOKEN_OWNER_GONE]: ErrorCode.UNAUTHENTICATED,
  [ApiTokenExceptionReason.TOKEN_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [ApiTokenExceptionReason.UNKNOWN_SCOPE]: ErrorCode.BAD_USER_INPUT,
  [ApiTokenExceptionReason.EXPIRY_IN_PAST]: ErrorCode.BAD_USER_INPUT,
  [ApiTokenExceptionReason.USER_SIGN_IN_REQUIRED]: ErrorCode.FORBIDDEN,
  [ApiTokenExceptionReason.NOT_TOKEN_OWNER]: ErrorCode.FORBIDDEN,
  [ApiTokenExceptionReason.TOKEN_LIMIT_REACHED]: ErrorCode.FORBIDDEN,
  [ApiTokenExceptionReason.TOKEN_INACTIVE]: ErrorCode.CONFLICT,
};

export class ApiTokenException extends AppException<ApiTokenExceptionReason> {
  readonly feature = 'tokens';
  protected readonly codes = CODES;
}
