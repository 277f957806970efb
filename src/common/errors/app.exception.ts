import type { ErrorCode } from './error-code';

/**
 * Base of every feature exception. `reason` is the feature's own, more specific code
 * (for example `PROJECT_SLUG_TAKEN`); the public `code` is derived from it in one place,
 * `graphql-error.mapper.ts`.
 */
export abstract class AppException<Reason extends string = string> extends Error {
  abstract readonly feature: string;
  constructor(
    readonly reason: Reason,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Errors the common layer raises itself (input shape, authentication, authorization). */
export enum CommonExceptionReason {
  INVALID_INPUT = 'INVALID_INPUT',
  INVALID_ID = 'INVALID_ID',
  INVALID_CURSOR = 'INVALID_CURSOR',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  RATE_LIMITED = 'RATE_LIMITED',
  QUERY_TOO_DEEP = 'QUERY_TOO_DEEP',
}

export class CommonException extends AppException<CommonExceptionReason> {
  readonly feature = 'common';
}

export type PublicErrorCode = `${ErrorCode}`;
