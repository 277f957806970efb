import { defaultFieldResolver, GraphQLError, type GraphQLSchema } from 'graphql';
import type { GraphQLContext } from '../common/context/graphql-context';
import { ErrorCode } from '../common/errors/error-code';

/**
 * Over HTTP, Apollo would run a subscription document with plain `execute`, which calls the
 * field's `resolve` without its guarded `subscribe`. Subscription fields are wrapped once, at
 * startup, to refuse that: subscriptions belong on the WebSocket. Queries and mutations pay nothing.
 */
export function subscriptionsOverWebSocketOnly(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getSubscriptionType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context: GraphQLContext, info) => {
      if (context.transport !== 'ws') {
        throw new GraphQLError(
          'Subscriptions are served over WebSocket at /graphql (graphql-transport-ws or graphql-ws)',
          { extensions: { code: ErrorCode.BAD_USER_INPUT, reason: 'SUBSCRIPTION_OVER_HTTP', http: { status: 400 } } },
        );
      }
      return resolve(source, args, context, info);
    };
  }
  return schema;
}
