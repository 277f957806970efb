import { unwrapResolverError } from '@apollo/server/errors';
import { HttpException, HttpStatus } from '@nestjs/common';
import type { GraphQLFormattedError } from 'graphql';
import { AccessException, AccessExceptionReason } from '../../access/access.exception';
import { AuthException, AuthExceptionReason } from '../../auth/auth.exception';
import { ProjectException, ProjectExceptionReason } from '../../projects/project.exception';
import { AppException, CommonException, CommonExceptionReason } from './app.exception';
import { isDuplicateKeyError } from '../mongo/mongo-errors';
import { ErrorCode } from './error-code';

function commonCode(reason: CommonExceptionReason): ErrorCode {
  switch (reason) {
    case CommonExceptionReason.INVALID_INPUT:
    case CommonExceptionReason.INVALID_ID:
    case CommonExceptionReason.INVALID_CURSOR:
    case CommonExceptionReason.QUERY_TOO_DEEP:
      return ErrorCode.BAD_USER_INPUT;
    case CommonExceptionReason.UNAUTHENTICATED:
      return ErrorCode.UNAUTHENTICATED;
    case CommonExceptionReason.FORBIDDEN:
      return ErrorCode.FORBIDDEN;
    case CommonExceptionReason.NOT_FOUND:
      return ErrorCode.NOT_FOUND;
    case CommonExceptionReason.RATE_LIMITED:
      return ErrorCode.RATE_LIMITED;
  }
}

function authCode(reason: AuthExceptionReason): ErrorCode {
  switch (reason) {
    case AuthExceptionReason.EMAIL_TAKEN:
      return ErrorCode.CONFLICT;
    case AuthExceptionReason.INVALID_CREDENTIALS:
    case AuthExceptionReason.INVALID_TOKEN:
    case AuthExceptionReason.TOKEN_EXPIRED:
    case AuthExceptionReason.REFRESH_TOKEN_REUSED:
    case AuthExceptionReason.SESSION_REVOKED:
      return ErrorCode.UNAUTHENTICATED;
    case AuthExceptionReason.TOO_MANY_ATTEMPTS:
      return ErrorCode.RATE_LIMITED;
  }
}

function projectCode(reason: ProjectExceptionReason): ErrorCode {
  switch (reason) {
    case ProjectExceptionReason.PROJECT_NOT_FOUND:
      return ErrorCode.NOT_FOUND;
    case ProjectExceptionReason.PROJECT_SLUG_TAKEN:
      return ErrorCode.CONFLICT;
  }
}

function accessCode(reason: AccessExceptionReason): ErrorCode {
  switch (reason) {
    case AccessExceptionReason.ROLE_NOT_FOUND:
    case AccessExceptionReason.USER_NOT_FOUND:
    case AccessExceptionReason.ASSIGNMENT_NOT_FOUND:
    case AccessExceptionReason.GRANT_NOT_FOUND:
      return ErrorCode.NOT_FOUND;
    case AccessExceptionReason.ROLE_NAME_TAKEN:
    case AccessExceptionReason.LAST_OWNER:
      return ErrorCode.CONFLICT;
    case AccessExceptionReason.UNKNOWN_PERMISSION:
    case AccessExceptionReason.EXPIRY_IN_PAST:
      return ErrorCode.BAD_USER_INPUT;
    case AccessExceptionReason.BUILT_IN_ROLE_READ_ONLY:
    case AccessExceptionReason.PERMISSION_DENIED:
      return ErrorCode.FORBIDDEN;
  }
}

/** The public code of a feature exception. Adding a feature means adding a branch here. */
export function publicCodeOf(error: AppException): ErrorCode {
  if (error instanceof CommonException) return commonCode(error.reason);
  if (error instanceof AuthException) return authCode(error.reason);
  if (error instanceof ProjectException) return projectCode(error.reason);
  if (error instanceof AccessException) return accessCode(error.reason);
  return ErrorCode.INTERNAL_SERVER_ERROR;
}

/** Codes Apollo and graphql-js give to documents a client got wrong. */
const CLIENT_DOCUMENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

interface MongoLikeError {
  name?: string;
  code?: number;
}

function isMongooseCastError(error: unknown): boolean {
  const e = error as MongoLikeError;
  return typeof e === 'object' && e !== null && (e.name === 'CastError' || e.name === 'BSONError');
}

export interface MappedError {
  code: ErrorCode;
  message: string;
  reason?: string;
  details?: Record<string, unknown>;
  /** True when nothing about the error is meant for clients, so it deserves a server log line. */
  unexpected: boolean;
}

/** Maps anything a resolver, guard or Apollo can throw to what a client may see. */
export function mapError(formatted: GraphQLFormattedError, raw: unknown): MappedError {
  const error = unwrapResolverError(raw);
  if (error instanceof AppException) {
    return {
      code: publicCodeOf(error),
      message: error.message,
      reason: error.reason,
      details: error.details,
      unexpected: false,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code =
      status === HttpStatus.UNAUTHORIZED
        ? ErrorCode.UNAUTHENTICATED
        : status === HttpStatus.FORBIDDEN
          ? ErrorCode.FORBIDDEN
          : status === HttpStatus.NOT_FOUND
            ? ErrorCode.NOT_FOUND
            : status === HttpStatus.CONFLICT
              ? ErrorCode.CONFLICT
              : status === HttpStatus.TOO_MANY_REQUESTS
                ? ErrorCode.RATE_LIMITED
                : status < 500
                  ? ErrorCode.BAD_USER_INPUT
                  : ErrorCode.INTERNAL_SERVER_ERROR;
    return {
      code,
      message: code === ErrorCode.INTERNAL_SERVER_ERROR ? 'Internal server error' : error.message,
      unexpected: code === ErrorCode.INTERNAL_SERVER_ERROR,
    };
  }
  if (isDuplicateKeyError(error)) {
    return {
      code: ErrorCode.CONFLICT,
      message: 'A record with the same unique value already exists',
      unexpected: false,
    };
  }
  if (isMongooseCastError(error)) {
    return {
      code: ErrorCode.BAD_USER_INPUT,
      message: 'A value has the wrong format',
      reason: 'INVALID_ID',
      unexpected: false,
    };
  }
  const existing = formatted.extensions?.code;
  if (typeof existing === 'string') {
    if (CLIENT_DOCUMENT_CODES.has(existing)) {
      const reason = typeof formatted.extensions?.reason === 'string' ? formatted.extensions.reason : existing;
      return { code: ErrorCode.BAD_USER_INPUT, message: formatted.message, reason, unexpected: false };
    }
    if ((Object.values(ErrorCode) as string[]).includes(existing) && existing !== ErrorCode.INTERNAL_SERVER_ERROR) {
      return { code: existing as ErrorCode, message: formatted.message, unexpected: false };
    }
  }
  return { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'Internal server error', unexpected: true };
}
