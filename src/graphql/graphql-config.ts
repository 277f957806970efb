import type { ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../common/errors/error-code';
import type { Response } from 'express';
import type { RequestAuthenticator } from '../auth/request-authenticator';
import type { AuthenticatedRequest } from '../common/context/authentication';
import type { GraphQLContext } from '../common/context/graphql-context';
import { depthLimitRule } from '../common/graphql/depth-limit.rule';
import { formatGraphQLError } from '../common/graphql/format-error';
import type { AppConfig } from '../config/app-config';
import { GRAPHQL_PATH } from './subscription-server';

/**
 * Over HTTP Apollo would run a subscription document with plain `execute`, which calls the
 * field's `resolve` without its guarded `subscribe`; subscriptions belong on the WebSocket.
 */
const subscriptionsOverWebSocketOnly = {
  requestDidStart: async () => ({
    didResolveOperation: async ({ operation }: { operation?: { operation: string } }) => {
      if (operation?.operation === 'subscription') {
        throw new GraphQLError(
          'Subscriptions are served over WebSocket at /graphql (graphql-transport-ws or graphql-ws)',
          {
            extensions: { code: ErrorCode.BAD_USER_INPUT, reason: 'SUBSCRIPTION_OVER_HTTP', http: { status: 400 } },
          },
        );
      }
    },
  }),
};

/**
 * Apollo settings. Subscriptions and the IDE are served by Slipway itself, not by the driver.
 * Every HTTP request is authenticated once, before any resolver runs, into its GraphQL context.
 */
export function graphqlOptions(
  config: AppConfig,
  authenticator: RequestAuthenticator,
): Omit<ApolloDriverConfig, 'driver'> {
  const development = config.NODE_ENV === 'development';
  return {
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    graphiql: false,
    playground: false,
    introspection: config.ideEnabled || !config.isProduction,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: development,
    validationRules: [depthLimitRule(config.GRAPHQL_MAX_DEPTH)],
    buildSchemaOptions: { dateScalarMode: 'isoDate', numberScalarMode: 'float' },
    context: async ({ req, res }: { req: AuthenticatedRequest; res: Response }): Promise<GraphQLContext> => ({
      req,
      res,
      transport: 'http',
      ...(await authenticator.authenticateRequest(req)),
    }),
    formatError: (formatted, error) => formatGraphQLError(formatted, error, development),
    plugins: [subscriptionsOverWebSocketOnly],
  };
}
