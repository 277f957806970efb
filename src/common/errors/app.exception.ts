import { ErrorCode } from './error-code';

/** A feature's map from each of its reasons to the public code clients see; a missing reason does not compile. */
export type ReasonCodes<Reason extends string> = Readonly<Record<Reason, ErrorCode>>;

/**
 * Base of every feature exception. `reason` is the feature's own, more specific code (for example
 * `PROJECT_SLUG_TAKEN`); the feature's exception class maps it to the public `code` through its
 * own exhaustive {@link ReasonCodes}, so nothing shared needs to know the feature.
 */
export abstract class AppException<Reason extends string = string> extends Error {
  abstract readonly feature: string;
  protected abstract readonly codes: ReasonCodes<Reason>;

  constructor(
    readonly reason: Reason,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The stable `extensions.code` of this error. */
  get code(): ErrorCode {
    return this.codes[this.reason] ?? ErrorCode.INTERNAL_SERVER_ERROR;
  }
}

/** Errors the common layer raises itself (request body, input shape, authentication, authorization). */
export enum CommonExceptionReason {
  INVALID_INPUT = 'INVALID_INPUT',
  INVALID_ID = 'INVALID_ID',
  INVALID_CURSOR = 'INVALID_CURSOR',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  RATE_LIMITED = 'RATE_LIMITED',
  QUERY_TOO_DEEP = 'QUERY_TOO_DEEP',
  MONGODB_UNAVAILABLE = 'MONGODB_UNAVAILABLE',
  REDIS_UNAVAILABLE = 'REDIS_UNAVAILABLE',
  AUDIT_UNAVAILABLE = 'AUDIT_UNAVAILABLE',
  AUDIT_UNCONFIRMED = 'AUDIT_UNCONFIRMED',
  QUERY_TOO_COSTLY = 'QUERY_TOO_COSTLY',
  TOO_MANY_ALIASES = 'TOO_MANY_ALIASES',
  TOO_MANY_TOKENS = 'TOO_MANY_TOKENS',
  TOO_MANY_DIRECTIVES = 'TOO_MANY_DIRECTIVES',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  MALFORMED_REQUEST = 'MALFORMED_REQUEST',
}

const COMMON_CODES: ReasonCodes<CommonExceptionReason> = {
  [CommonExceptionReason.INVALID_INPUT]: ErrorCode.BAD_USER_INPUT,
  [CommonExceptionReason.INVALID_ID]: ErrorCode.BAD_USER_INPUT,
  [CommonExceptionReason.INVALID_CURSOR]: ErrorCode.BAD_USER_INPUT,
  [CommonExceptionReason.QUERY_TOO_DEEP]: ErrorCode.BAD_USER_INPUT,
  [CommonExceptionReason.QUERY_TOO_COSTLY]: ErrorCode.BAD_USER_INPUT,
  [CommonExceptionReason.TOO_MANY_ALIASES]: ErrorCode.BAD_USER_INPUT,
  [CommonExceptionReason.TOO_MANY_TOKENS]: ErrorCode.BAD_USER_INPUT,
  [CommonExceptionReason.TOO_MANY_DIRECTIVES]: ErrorCode.BAD_USER_INPUT,
  [CommonExceptionReason.PAYLOAD_TOO_LARGE]: ErrorCode.BAD_USER_INPUT,
  [CommonExceptionReason.MALFORMED_REQUEST]: ErrorCode.BAD_USER_INPUT,
  [CommonExceptionReason.UNAUTHENTICATED]: ErrorCode.UNAUTHENTICATED,
  [CommonExceptionReason.FORBIDDEN]: ErrorCode.FORBIDDEN,
  [CommonExceptionReason.NOT_FOUND]: ErrorCode.NOT_FOUND,
  [CommonExceptionReason.RATE_LIMITED]: ErrorCode.RATE_LIMITED,
  [CommonExceptionReason.MONGODB_UNAVAILABLE]: ErrorCode.SERVICE_UNAVAILABLE,
  [CommonExceptionReason.REDIS_UNAVAILABLE]: ErrorCode.SERVICE_UNAVAILABLE,
  [CommonExceptionReason.AUDIT_UNAVAILABLE]: ErrorCode.SERVICE_UNAVAILABLE,
  [CommonExceptionReason.AUDIT_UNCONFIRMED]: ErrorCode.SERVICE_UNAVAILABLE,
};

export class CommonException extends AppException<CommonExceptionReason> {
  readonly feature = 'common';
  protected readonly codes = COMMON_CODES;
}
