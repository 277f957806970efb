import { AppException, type ReasonCodes } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';

export enum InvitationExceptionReason {
  /** No invitation has this token (or id in this project). */
  INVITATION_NOT_FOUND = 'INVITATION_NOT_FOUND',
  INVITATION_EXPIRED = 'INVITATION_EXPIRED',
  INVITATION_REVOKED = 'INVITATION_REVOKED',
  /** The invitation was accepted already: a link works once. */
  INVITATION_USED = 'INVITATION_USED',
  INVITATION_DECLINED = 'INVITATION_DECLINED',
  /** The invitation was sent again since: only the newest link works. */
  INVITATION_SUPERSEDED = 'INVITATION_SUPERSEDED',
  /** The signed-in user's email is not the one invited. */
  INVITATION_EMAIL_MISMATCH = 'INVITATION_EMAIL_MISMATCH',
  /** The inviter no longer holds what the offered role holds, so the offer no longer stands. */
  INVITER_LACKS_PERMISSION = 'INVITER_LACKS_PERMISSION',
  ALREADY_MEMBER = 'ALREADY_MEMBER',
  /** The email has a pending invitation to the project: resend or revoke it. */
  INVITATION_PENDING = 'INVITATION_PENDING',
  /** Accepting as a new user, for an email that has an account: sign in and accept instead. */
  ACCOUNT_EXISTS = 'ACCOUNT_EXISTS',
  RATE_LIMITED = 'RATE_LIMITED',
}

const CODES: ReasonCodes<InvitationExceptionReason> = {
  [InvitationExceptionReason.INVITATION_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [InvitationExceptionReason.INVITATION_EXPIRED]: ErrorCode.FORBIDDEN,
  [InvitationExceptionReason.INVITATION_REVOKED]: ErrorCode.FORBIDDEN,
  [InvitationExceptionReason.INVITATION_USED]: ErrorCode.FORBIDDEN,
  [InvitationExceptionReason.INVITATION_DECLINED]: ErrorCode.FORBIDDEN,
  [InvitationExceptionReason.INVITATION_SUPERSEDED]: ErrorCode.FORBIDDEN,
  [InvitationExceptionReason.INVITATION_EMAIL_MISMATCH]: ErrorCode.FORBIDDEN,
  [InvitationExceptionReason.INVITER_LACKS_PERMISSION]: ErrorCode.FORBIDDEN,
  [InvitationExceptionReason.ALREADY_MEMBER]: ErrorCode.CONFLICT,
  [InvitationExceptionReason.INVITATION_PENDING]: ErrorCode.CONFLICT,
  [InvitationExceptionReason.ACCOUNT_EXISTS]: ErrorCode.CONFLICT,
  [InvitationExceptionReason.RATE_LIMITED]: ErrorCode.RATE_LIMITED,
};

export class InvitationException extends AppException<InvitationExceptionReason> {
  readonly feature = 'invitations';
  protected readonly codes = CODES;
}
