import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { GraphQLModule } from '@nestjs/graphql';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from './access/access.module';
import { QueueDashboardModule } from './admin/queue-dashboard.module';
import { AccessJobsModule } from './access/jobs/access-jobs.module';
import { AlertsModule } from './alerts/alerts.module';
import { AlertJobsModule } from './alerts/jobs/alert-jobs.module';
import { AnalyticsModule } from './analytics/analytics.module';
import { AnalyticsJobsModule } from './analytics/jobs/analytics-jobs.module';
import { PlatformMetricsModule } from './analytics/platform-metrics.module';
import { AuditModule } from './audit/audit.module';
import { AuditService } from './audit/audit.service';
import { AuthModule } from './auth/auth.module';
import { BuildsModule } from './builds/builds.module';
import { BuildJobsModule } from './builds/jobs/build-jobs.module';
import { DatabaseBackupsModule } from './databases/backups/database-backups.module';
import { DatabasesModule } from './databases/databases.module';
import { DatabaseJobsModule } from './databases/jobs/database-jobs.module';
import { DeploymentsModule } from './deployments/deployments.module';
import { DomainsModule } from './domains/domains.module';
import { DomainJobsModule } from './domains/jobs/domain-jobs.module';
import { FunctionsModule } from './functions/functions.module';
import { FunctionJobsModule } from './functions/jobs/function-jobs.module';
import { RequestAuthenticator } from './auth/request-authenticator';
import { AvailabilityModule } from './common/availability/availability.module';
import { CacheModule } from './common/cache/cache.module';
import { CryptoModule } from './common/crypto/crypto.module';
import { GraphQLExceptionFilter } from './common/errors/graphql-exception.filter';
import { EventsModule } from './common/events/events.module';
import { PubSubModule } from './common/pubsub/pubsub.module';
import { RedisModule } from './common/redis/redis.module';
import { InputValidationPipe } from './common/validation/input-validation.pipe';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { mongooseOptions } from './common/mongo/connection-options';
import { graphqlOptions } from './graphql/graphql-config';
import { SubscriptionServer } from './graphql/subscription-server';
import { HealthModule } from './health/health.module';
import { MailJobsModule } from './mail/jobs/mail-jobs.module';
import { JobsModule } from './jobs/jobs.module';
import { WorkerModule } from './jobs/worker.module';
import { ProjectsModule } from './projects/projects.module';
import { EnvVarsModule } from './settings/env-vars/env-vars.module';
import { SettingsModule } from './settings/settings.module';
import { SettingsGroupsModule } from './settings/settings-groups.module';
import { SecurityModule } from './settings/security/security.module';
import { ActivityModule } from './team/activity/activity.module';
import { MembersModule } from './team/members/members.module';
import { InvitationJobsModule } from './team/invitations/jobs/invitation-jobs.module';
import { InvitationsModule } from './team/invitations/invitations.module';
import { TokensModule } from './tokens/tokens.module';
import { WebhookJobsModule } from './webhooks/jobs/webhook-jobs.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** The features, one module each. */
const FEATURES: Type[] = [
  AuditModule,
  AuthModule,
  AccessModule,
  ProjectsModule,
  EnvVarsModule,
  SettingsModule,
  SecurityModule,
  BuildsModule,
  DeploymentsModule,
  DomainsModule,
  FunctionsModule,
  SettingsGroupsModule,
  TokensModule,
  WebhooksModule,
  ActivityModule,
  MembersModule,
  InvitationsModule,
  AnalyticsModule,
  AlertsModule,
  PlatformMetricsModule,
  DatabasesModule,
  DatabaseBackupsModule,
];

/** What worker processes run for the features: each feature's processors and schedules. */
const FEATURE_JOBS: Type[] = [
  AccessJobsModule,
  BuildJobsModule,
  DomainJobsModule,
  FunctionJobsModule,
  WebhookJobsModule,
  MailJobsModule,
  InvitationJobsModule,
  AnalyticsJobsModule,
  AlertJobsModule,
  DatabaseJobsModule,
];

/**
 * The whole application; `config.PROCESS_ROLE` decides whether it serves the API, runs jobs, or both.
 * Maintenance commands take neither (`serve: false`): the features and their stores, nothing more.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, { serve = true }: { serve?: boolean } = {}): DynamicModule {
    const runsApi = serve && config.runsApi;
    const runsWorkers = serve && config.runsWorkers;
    const apiProviders: Provider[] = runsApi ? [SubscriptionServer] : [];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        AvailabilityModule,
        MongooseModule.forRoot(config.MONGODB_URI, mongooseOptions(config)),
        RedisModule,
        PubSubModule,
        CacheModule,
        CryptoModule,
        EventsModule,
        JobsModule,
        ...FEATURES,
        HealthModule,
        ...(runsApi
          ? [
              GraphQLModule.forRootAsync<ApolloDriverConfig>({
                driver: ApolloDriver,
                imports: [AuthModule],
                inject: [AppConfig, RequestAuthenticator, AuditService, EventEmitter2],
                useFactory: graphqlOptions,
              }),
            ]
          : []),
        ...(serve && config.queueDashboardEnabled ? [QueueDashboardModule.forRoot(config)] : []),
        ...(runsWorkers ? [WorkerModule, ...FEATURE_JOBS] : []),
      ],
      providers: [
        { provide: APP_PIPE, useClass: InputValidationPipe },
        { provide: APP_FILTER, useClass: GraphQLExceptionFilter },
        ...apiProviders,
      ],
    };
  }
}
