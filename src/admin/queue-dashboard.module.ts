import { BullAdapter } from '@bull-board/api/bullAdapter';
import { BullBoardModule, type BullBoardModuleOptions } from '@bull-board/nestjs';
import { BullModule } from '@nestjs/bull';
import { Module, type DynamicModule } from '@nestjs/common';
import { ACCESS_QUEUE } from '../access/jobs/access-jobs';
import { ALERTS_QUEUE } from '../alerts/jobs/alert-jobs';
import { ANALYTICS_QUEUE } from '../analytics/jobs/analytics-jobs';
import { BUILDS_QUEUE } from '../builds/jobs/build-jobs';
import type { AppConfig } from '../config/app-config';
import { DATABASES_QUEUE } from '../databases/jobs/database-jobs';
import { DOMAINS_QUEUE } from '../domains/jobs/domain-jobs';
import { FUNCTIONS_QUEUE } from '../functions/jobs/function-jobs';
import { MAIL_QUEUE } from '../mail/jobs/mail-jobs';
import { INVITATIONS_QUEUE } from '../team/invitations/jobs/invitation-jobs';
import { WEBHOOKS_QUEUE } from '../webhooks/jobs/webhook-jobs';
import { DashboardExpressAdapter } from './dashboard-express-adapter';
import { operatorAuth, SignInFailures } from './operator-auth.middleware';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Whether a request's URL is under the dashboard's path, however it is spelled (any case,
 * repeated slashes, percent-encoded letters), so that nothing meant for the API alone, such as
 * its CORS grants, reaches the dashboard by another spelling.
 */
export function isUnderQueueDashboard(url: string): boolean {
  let path = url.split('?')[0]!;
  try {
    path = decodeURIComponent(path);
  } catch {
    // Malformed escapes: judge the path as sent.
  }
  path = path.replace(/\/{2,}/g, '/').toLowerCase();
  return path === QUEUE_DASHBOARD_PATH || path.startsWith(`${QUEUE_DASHBOARD_PATH}/`);
}

/** Every Bull queue the platform has, as the dashboard lists them. */
export const PLATFORM_QUEUES: readonly string[] = [
  BUILDS_QUEUE,
  FUNCTIONS_QUEUE,
  DOMAINS_QUEUE,
  DATABASES_QUEUE,
  WEBHOOKS_QUEUE,
  MAIL_QUEUE,
  INVITATIONS_QUEUE,
  ACCESS_QUEUE,
  ALERTS_QUEUE,
  ANALYTICS_QUEUE,
];

/**
 * The operators' queue dashboard (Bull Board) at /admin/queues: every queue's jobs and counts,
 * behind the operator's credential from the configuration (docs/operations.md). Only API
 * processes with QUEUE_DASHBOARD on load it. Some queues are registered only by workers' job
 * modules, so each is registered here too, as a Bull client of the dashboard's own: that costs a
 * process that serves it about one more Redis connection per queue (docs/operations.md), and
 * nothing while it is off.
 */
@Module({})
export class QueueDashboardModule {
  static forRoot(config: AppConfig): DynamicModule {
    const readOnlyMode = config.QUEUE_DASHBOARD_READ_ONLY === 'on';
    return {
      module: QueueDashboardModule,
      imports: [
        ...PLATFORM_QUEUES.map((name) => BullModule.registerQueue({ name })),
        BullBoardModule.forRoot({
          route: QUEUE_DASHBOARD_PATH,
          // @bull-board/express declares its types against its own copy of @bull-board/api.
          adapter: DashboardExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
          boardOptions: { uiConfig: { boardTitle: 'Slipway queues' } },
          middleware: operatorAuth(
            { user: config.QUEUE_DASHBOARD_USER, password: config.QUEUE_DASHBOARD_PASSWORD! },
            new SignInFailures(config.QUEUE_DASHBOARD_FAILED_SIGN_INS),
          ),
        }),
        BullBoardModule.forFeature(
          ...PLATFORM_QUEUES.map((name) => ({ name, adapter: BullAdapter, options: { readOnlyMode } })),
        ),
      ],
    };
  }
}
