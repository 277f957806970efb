import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { Request, Response } from 'express';
import type { GraphQLContext } from '../common/context/graphql-context';
import { depthLimitRule } from '../common/graphql/depth-limit.rule';
import { formatGraphQLError } from '../common/graphql/format-error';
import type { AppConfig } from '../config/app-config';
import { GRAPHQL_PATH } from './subscription-server';

/** Apollo settings. Subscriptions and the IDE are served by Slipway itself, not by the driver. */
export function graphqlOptions(config: AppConfig): Omit<ApolloDriverConfig, 'driver'> {
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
    context: ({ req, res }: { req: Request; res: Response }): GraphQLContext => ({ req, res, transport: 'http' }),
    formatError: (formatted, error) => formatGraphQLError(formatted, error, development),
  };
}
