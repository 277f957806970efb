import {
  defaultFieldResolver,
  GraphQLError,
  Kind,
  type ASTVisitor,
  type GraphQLSchema,
  type ValidationContext,
} from 'graphql';
import type { GraphQLContext } from '../common/context/graphql-context';
import { ErrorCode } from '../common/errors/error-code';

/*
 * Over HTTP, Apollo would run a subscription document with plain `execute`, which calls the
 * field's `resolve` without its guarded `subscribe`: subscriptions belong on the WebSocket.
 */

const MESSAGE = 'Subscriptions are served over WebSocket at /graphql (graphql-transport-ws or graphql-ws)';
const EXTENSIONS = { code: ErrorCode.BAD_USER_INPUT, reason: 'SUBSCRIPTION_OVER_HTTP', http: { status: 400 } };

/**
 * An HTTP validation rule: a document of subscriptions only is refused before anything runs
 * (HTTP 400). Apollo keeps validated documents, so this costs nothing per request.
 */
export function subscriptionsOverHttpRule(context: ValidationContext): ASTVisitor {
  return {
    Document(node) {
      const operations = node.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
      if (operations.length > 0 && operations.every((op) => op.operation === 'subscription')) {
        context.reportError(new GraphQLError(MESSAGE, { nodes: operations, extensions: EXTENSIONS }));
      }
    },
  };
}

/**
 * The backstop for a document that mixes operations and names its subscription: subscription
 * fields are wrapped once, at startup, to refuse to run outside a WebSocket.
 */
export function subscriptionsOverWebSocketOnly(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getSubscriptionType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context: GraphQLContext, info) => {
      if (context.transport !== 'ws') throw new GraphQLError(MESSAGE, { extensions: EXTENSIONS });
      return resolve(source, args, context, info);
    };
  }
  return schema;
}
