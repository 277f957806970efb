import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../access/access.module';
import { ResourceLocator } from '../access/resource-locator';
import { AnalyticsModule } from '../analytics/analytics.module';
import { AuthModule } from '../auth/auth.module';
import { MailModule } from '../mail/mail.module';
import { ProjectsModule } from '../projects/projects.module';
import { SettingsModule } from '../settings/settings.module';
import { AlertEvaluatorService } from './alert-evaluator.service';
import { AlertEventRecord, AlertEventSchema } from './alert-event.schema';
import { AlertHistoryService } from './alert-history.service';
import { AlertNotifierService } from './alert-notifier.service';
import { AlertOutboxService } from './alert-outbox.service';
import { AlertRecord, AlertSchema } from './alert.schema';
import { AlertsResolver } from './alerts.resolver';
import { AlertsService } from './alerts.service';
import { ProjectAlertsListener } from './listeners/project-alerts.listener';

/**
 * Threshold alerts on metrics (docs/alerts.md): rules, their evaluation by the workers
 * (`AlertJobsModule`), their history and live stream, and notifications through the project's
 * notification preferences and webhooks.
 */
@Module({
  imports: [
    AuthModule,
    AccessModule,
    AnalyticsModule,
    MailModule,
    ProjectsModule,
    SettingsModule,
    MongooseModule.forFeature([
      { name: AlertRecord.name, schema: AlertSchema },
      { name: AlertEventRecord.name, schema: AlertEventSchema },
    ]),
  ],
  providers: [
    AlertsService,
    AlertEvaluatorService,
    AlertHistoryService,
    AlertNotifierService,
    AlertOutboxService,
    AlertsResolver,
    ProjectAlertsListener,
  ],
  exports: [AlertsService, AlertEvaluatorService],
})
export class AlertsModule implements OnModuleInit {
  constructor(
    private readonly locator: ResourceLocator,
    private readonly alerts: AlertsService,
  ) {}

  onModuleInit(): void {
    this.locator.register('alert', (id) => this.alerts.projectOf(id));
  }
}
