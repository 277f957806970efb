import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum DomainExceptionReason {
  INVALID_HOSTNAME = 'INVALID_HOSTNAME',
  PLATFORM_DOMAIN = 'PLATFORM_DOMAIN',
  DOMAIN_TAKEN = 'DOMAIN_TAKEN',
  DOMAIN_NOT_FOUND = 'DOMAIN_NOT_FOUND',
  DOMAIN_NOT_VERIFIED = 'DOMAIN_NOT_VERIFIED',
  DOMAIN_LIMIT_REACHED = 'DOMAIN_LIMIT_REACHED',
}

const CODES: ReasonCodes<DomainExceptionReason> = {
  [DomainExceptionReason.INVALID_HOSTNAME]: ErrorCode.BAD_USER_INPUT,
  [DomainExceptionReason.PLATFORM_DOMAIN]: ErrorCode.BAD_USER_INPUT,
  [DomainExceptionReason.DOMAIN_TAKEN]: ErrorCode.CONFLICT,
  [DomainExceptionReason.DOMAIN_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [DomainExceptionReason.DOMAIN_NOT_VERIFIED]: ErrorCode.CONFLICT,
  [DomainExceptionReason.DOMAIN_LIMIT_REACHED]: ErrorCode.FORBIDDEN,
};

export class DomainException extends AppException<DomainExceptionReason> {
  readonly feature = 'domains';
  protected readonly codes = CODES;
}
