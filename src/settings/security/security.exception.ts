import { AppException, type ReasonCodes } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';

export enum SecurityExceptionReason {
  INVALID_IP_RANGE = 'INVALID_IP_RANGE',
  RATE_LIMIT_OUT_OF_BOUNDS = 'RATE_LIMIT_OUT_OF_BOUNDS',
  WOULD_LOCK_OUT = 'WOULD_LOCK_OUT',
  IP_NOT_ALLOWED = 'IP_NOT_ALLOWED',
  RATE_LIMITED = 'RATE_LIMITED',
}

const CODES: ReasonCodes<SecurityExceptionReason> = {
  [SecurityExceptionReason.INVALID_IP_RANGE]: ErrorCode.BAD_USER_INPUT,
  [SecurityExceptionReason.RATE_LIMIT_OUT_OF_BOUNDS]: ErrorCode.BAD_USER_INPUT,
  [SecurityExceptionReason.WOULD_LOCK_OUT]: ErrorCode.CONFLICT,
  [SecurityExceptionReason.IP_NOT_ALLOWED]: ErrorCode.FORBIDDEN,
  [SecurityExceptionReason.RATE_LIMITED]: ErrorCode.RATE_LIMITED,
};

export class SecurityException extends AppException<SecurityExceptionReason> {
  readonly feature = 'security';
  protected readonly codes = CODES;
}
