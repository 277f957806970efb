import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import type { Request, Response } from 'express';
import type { AuditService } from '../audit/audit.service';
import { auditMutations } from '../audit/mutation-audit';
import type { RequestAuthenticator } from '../auth/request-authenticator';
import type { GraphQLContext } from '../common/context/graphql-context';
import { formatGraphQLError } from '../common/graphql/format-error';
import { operationLimitRules } from '../common/graphql/operation-limits';
import type { AppConfig } from '../config/app-config';
import { measureOperations } from './operation-metrics';
import { retryAfterPlugin } from './retry-after.plugin';
import { tokenLimitPlugin } from './document-limits';
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
  emitter: EventEmitter2,
): Omit<ApolloDriverConfig, 'driver'> {
  // Typed for any context, as the driver takes its plugins.
  const cacheControlDisabled = ApolloServerPluginCacheControlDisabled() as NonNullable<
    ApolloDriverConfig['plugins']
  >[number];
  const format = { development: config.NODE_ENV === 'development', suggestions: config.fieldSuggestionsEnabled };
  return {
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    graphiql: false,
    playground: false,
    introspection: config.introspectionEnabled,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: format.development,
    validationRules: [...operationLimitRules(config), subscriptionsOverHttpRule],
    // Cache-control hints are not used here; the plugin would wrap every field's resolver for nothing.
    plugins: [tokenLimitPlugin(config.GRAPHQL_MAX_TOKENS), retryAfterPlugin, cacheControlDisabled],
    // The driver would answer 200 whenever there is data; the retry-after plugin decides instead.
    preserveHttpStatusForExecutionErrors: false,
    // Measured outermost, so that a mutation's duration includes storing its audit entry.
    transformSchema: (schema) =>
      measureOperations(auditMutations(subscriptionsOverWebSocketOnly(schema), audit), {
        emit: (event, measurement) => emitter.emit(event, measurement),
        isRefusal: (error) => audit.isRecorded(error),
      }),
    buildSchemaOptions: { dateScalarMode: 'isoDate', numberScalarMode: 'float' },
    context: async ({ req, res }: { req: Request; res: Response }): Promise<GraphQLContext> => ({
      req,
      res,
      transport: 'http',
      ...(await authenticator.authenticateRequest(req)),
    }),
    formatError: (formatted, error) => formatGraphQLError(formatted, error, format),
  };
}
