import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { Request, Response } from 'express';
import type { AuditService } from '../audit/audit.service';
import { auditMutations } from '../audit/mutation-audit';
import type { RequestAuthenticator } from '../auth/request-authenticator';
import type { GraphQLContext } from '../common/context/graphql-context';
import { depthLimitRule } from '../common/graphql/depth-limit.rule';
import { formatGraphQLError } from '../common/graphql/format-error';
import type { AppConfig } from '../config/app-config';
import { serviceUnavailablePlugin } from './service-unavailable.plugin';
import { GRAPHQL_PATH } from './subscription-server';
import { subscriptionsOverHttpRule, subscriptionsOverWebSocketOnly } from './subscriptions-over-websocket';

/**
 * Apollo settings. Subscriptions and the IDE are served by Slipway itself, not by the driver.
 * Every HTTP request is authenticated once, before any resolver runs, into its GraphQL context.
 */
export function graphqlOptions(
  config: AppConfig,
  authenticator: RequestAuthenticator,
  audit: AuditService,
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
    validationRules: [depthLimitRule(config.GRAPHQL_MAX_DEPTH), subscriptionsOverHttpRule],
    transformSchema: (schema) => auditMutations(subscriptionsOverWebSocketOnly(schema), audit),
    buildSchemaOptions: { dateScalarMode: 'isoDate', numberScalarMode: 'float' },
    context: async ({ req, res }: { req: Request; res: Response }): Promise<GraphQLContext> => ({
      req,
      res,
      transport: 'http',
      ...(await authenticator.authenticateRequest(req)),
    }),
    formatError: (formatted, error) => formatGraphQLError(formatted, error, development),
    plugins: [serviceUnavailablePlugin],
    // The driver would answer 200 whenever there is data; the plugin above decides instead.
    preserveHttpStatusForExecutionErrors: false,
  };
}
