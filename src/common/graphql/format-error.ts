import { Logger } from '@nestjs/common';
import type { GraphQLFormattedError } from 'graphql';
import { mapError } from '../errors/graphql-error.mapper';

const logger = new Logger('GraphQL');

export interface ErrorFormatOptions {
  /** Stack traces and unexpected errors' own messages go to clients. */
  development: boolean;
  /** graphql-js may suggest names ("Did you mean …?"), which tell a prober what the schema holds. */
  suggestions: boolean;
}

/** Every graphql-js suggestion ends its sentence with a question mark; names cannot contain one. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * The one place an error becomes what a client sees, whatever the transport: a stable
 * `extensions.code`, a human message, and in development only, the stack.
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  raw: unknown,
  { development, suggestions }: ErrorFormatOptions,
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
  const message = mapped.unexpected && development ? formatted.message : mapped.message;
  return {
    message: suggestions ? message : message.replace(SUGGESTION, ''),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions,
  };
}
