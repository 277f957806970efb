import { AppException } from '../common/errors/app.exception';

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
}

export class AccessException extends AppException<AccessExceptionReason> {
  readonly feature = 'access';
}
