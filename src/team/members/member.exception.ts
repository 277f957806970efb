import { AppException, type ReasonCodes } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';

export enum MemberExceptionReason {
  /** The user holds no role in the project. */
  MEMBER_NOT_FOUND = 'MEMBER_NOT_FOUND',
  /** Only an owner whose access does not end can hand the project over. */
  NOT_PERMANENT_OWNER = 'NOT_PERMANENT_OWNER',
  /** Handing a project to oneself. */
  TRANSFER_TO_SELF = 'TRANSFER_TO_SELF',
  /** Handing a project over takes a user's sign-in, not an API token. */
  USER_SIGN_IN_REQUIRED = 'USER_SIGN_IN_REQUIRED',
}

const CODES: ReasonCodes<MemberExceptionReason> = {
  [MemberExceptionReason.MEMBER_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [MemberExceptionReason.NOT_PERMANENT_OWNER]: ErrorCode.FORBIDDEN,
  [MemberExceptionReason.TRANSFER_TO_SELF]: ErrorCode.BAD_USER_INPUT,
  [MemberExceptionReason.USER_SIGN_IN_REQUIRED]: ErrorCode.FORBIDDEN,
};

export class MemberException extends AppException<MemberExceptionReason> {
  readonly feature = 'members';
  protected readonly codes = CODES;
}
