import { unwrapResolverError } from '@apollo/server/errors';
import { HttpException, HttpStatus } from '@nestjs/common';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { serviceUnavailable, unreachableServiceOf } from '../availability/backing-services';
import { AppException } from './app.exception';
import { isDuplicateKeyError } from '../mongo/mongo-errors';
import { ErrorCode } from './error-code';

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

/**
 * graphql-js stops coercing variables after 50 bad values and adds this error, without a code, to
 * the 50 it reports: the input was the client's, like theirs.
 */
const VARIABLE_ERROR_LIMIT = 'Too many errors processing variables, error limit reached.';

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

/**
 * The error a resolver, guard or stream threw, out of the GraphQLErrors that wrap it: Apollo
 * wraps resolver errors, and graphql-ws wraps errors a subscription's stream ends with (without a
 * path, which Apollo's own unwrapping requires).
 */
function originalOf(raw: unknown): unknown {
  let error = unwrapResolverError(raw);
  while (error instanceof GraphQLError && error.originalError) error = error.originalError;
  return error;
}

/** Maps anything a resolver, guard or Apollo can throw to what a client may see. */
export function mapError(formatted: GraphQLFormattedError, raw: unknown): MappedError {
  const error = originalOf(raw);
  if (error instanceof AppException) {
    return {
      code: error.code,
      message: error.message,
      reason: error.reason,
      details: error.details,
      unexpected: false,
    };
  }
  const unreachable = unreachableServiceOf(error);
  if (unreachable) {
    const unavailable = serviceUnavailable(unreachable);
    return {
      code: unavailable.code,
      message: unavailable.message,
      reason: unavailable.reason,
      details: unavailable.details,
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
  if (formatted.message.startsWith(VARIABLE_ERROR_LIMIT)) {
    return { code: ErrorCode.BAD_USER_INPUT, message: formatted.message, reason: 'BAD_USER_INPUT', unexpected: false };
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
