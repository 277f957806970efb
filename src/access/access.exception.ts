import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum AccessExceptionReason {
  ROLE_NOT_FOUND = 'ROLE_NOT_FOUND',
  ROLE_NAME_TAKEN = 'ROLE_NAME_TAKEN',
  BUILT_IN_ROLE_READ_ONLY = 'BUILT_IN_ROLE_READ_ONLY',
  UNKNOWN_PERMISSION = 'UNKNOWN_PERMISSION',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  ASSIGNMENT_NOT_FOUND = 'ASSIGNMENT_NOT_FOUND',
  GRANT_NOT_FOUND = 'GRANT_NOT_FOUND',
  LAST_OWNER = 'LAST_OWNER',
  EXPIRY_IN_PAST = 'EXPIRY_IN_PAST',
  PERMISSION_DENIED = 'PERMISSION_DENIED',
  /** An API token's scopes lack the permission (its owner may hold it). */
  TOKEN_SCOPE_MISSING = 'TOKEN_SCOPE_MISSING',
  /** An API token restricted to one project was used on another. */
  TOKEN_PROJECT_MISMATCH = 'TOKEN_PROJECT_MISMATCH',
  /** An account-level mutation (creating a project, signing out, managing tokens) presented an API token. */
  USER_SIGN_IN_REQUIRED = 'USER_SIGN_IN_REQUIRED',
}

const CODES: ReasonCodes<AccessExceptionReason> = {
  [AccessExceptionReason.ROLE_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [AccessExceptionReason.USER_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [AccessExceptionReason.ASSIGNMENT_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [AccessExceptionReason.GRANT_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [AccessExceptionReason.ROLE_NAME_TAKEN]: ErrorCode.CONFLICT,
  [AccessExceptionReason.LAST_OWNER]: ErrorCode.CONFLICT,
  [AccessExceptionReason.UNKNOWN_PERMISSION]: ErrorCode.BAD_USER_INPUT,
  [AccessExceptionReason.EXPIRY_IN_PAST]: ErrorCode.BAD_USER_INPUT,
  [AccessExceptionReason.BUILT_IN_ROLE_READ_ONLY]: ErrorCode.FORBIDDEN,
  [AccessExceptionReason.PERMISSION_DENIED]: ErrorCode.FORBIDDEN,
  [AccessExceptionReason.TOKEN_SCOPE_MISSING]: ErrorCode.FORBIDDEN,
  [AccessExceptionReason.TOKEN_PROJECT_MISMATCH]: ErrorCode.FORBIDDEN,
  [AccessExceptionReason.USER_SIGN_IN_REQUIRED]: ErrorCode.FORBIDDEN,
};

export class AccessException extends AppException<AccessExceptionReason> {
  readonly feature = 'access';
  protected readonly codes = CODES;
}
