import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';

/**
 * GraphQL errors go back to Apollo untouched, where `formatGraphQLError` maps them and logs only
 * the unexpected ones. Without this filter Nest logs every expected error (a wrong password, a
 * denied call) as if the server had failed.
 */
@Catch()
export class GraphQLExceptionFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<string>() === 'graphql') return exception;
    return super.catch(exception, host);
  }
}
