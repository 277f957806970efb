import { Logger } from '@nestjs/common';
import type { GraphQLFormattedError } from 'graphql';
import { mapError } from '../errors/graphql-error.mapper';

const logger = new Logger('GraphQL');

/**
 * The one place an error becomes what a client sees: a stable `extensions.code`, a human message,
 * and in development only, the stack.
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  raw: unknown,
  development: boolean,
): GraphQLFormattedError {
  const mapped = mapError(formatted, raw);
  if (mapped.unexpected) {
    const error = (raw as { originalError?: Error }).originalError ?? (raw as Error);
    logger.error(`Unexpected error in ${formatted.path?.join('.') ?? 'operation'}: ${error?.message}`, error?.stack);
  }
  const existingReason = formatted.extensions?.reason;
  const extensions: Record<string, unknown> = {
    code: mapped.code,
    ...(mapped.reason
      ? { reason: mapped.reason }
      : typeof existingReason === 'string'
        ? { reason: existingReason }
        : {}),
    ...(mapped.details ? { details: mapped.details } : {}),
  };
  if (development && formatted.extensions?.stacktrace) extensions.stacktrace = formatted.extensions.stacktrace;
  return {
    message:
      mapped.unexpected && !development ? mapped.message : mapped.unexpected ? formatted.message : mapped.message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions,
  };
}
