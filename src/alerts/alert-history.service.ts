import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { PubSubEngine } from 'graphql-subscriptions';
import type { Model } from 'mongoose';
import { toObjectId } from '../common/mongo/object-id';
import type { Connection } from '../common/pagination/connection';
import { paginate } from '../common/pagination/paginate';
import { PUB_SUB } from '../common/pubsub/pubsub.token';
import { AppConfig } from '../config/app-config';
import { AlertEventRecord } from './alert-event.schema';
import { AlertNotifierService } from './alert-notifier.service';
import { isDuplicateKeyError } from '../common/mongo/mongo-errors';
import { AlertState } from './alert-state';
import type { AlertRecord, PendingAlertChange } from './alert.schema';
import type { AlertEventsArgs } from './dto/alerts.args';
import { AlertEvent } from './models/alert-event.model';

/** The PubSub trigger of a project's alert stream (`alertEvents` subscriptions). */
export const alertEventsTrigger = (projectId: string): string => `alerts:${projectId}`;

/**
 * Alert rules' history: every change of state is stored in `alert_events` (from the rule's
 * pending changes, `AlertOutboxService`); FIRING and RESOLVED ones also go to the project's alert
 * stream on every API process (muted ones flagged), and, unless the rule is muted, to the rule's
 * channels.
 */
@Injectable()
export class AlertHistoryService {
  private readonly logger = new Logger(AlertHistoryService.name);

  constructor(
    @InjectModel(AlertEventRecord.name) private readonly events: Model<AlertEventRecord>,
    @Inject(PUB_SUB) private readonly pubSub: PubSubEngine,
    private readonly notifier: AlertNotifierService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Records a rule's change of state in `alert_events`, under the change's own id: recording it
   * again adds nothing, and tells it again. FIRING and RESOLVED also go to the project's alert
   * stream and, unless the rule was muted at the change, to the rule's channels; a failure there is
   * logged, the change stays recorded. Rejects only when the change could not be stored.
   */
  async record(rule: AlertRecord, change: PendingAlertChange): Promise<AlertEvent> {
    const fields = {
      _id: change._id,
      alertId: rule._id,
      projectId: rule.projectId,
      name: change.name,
      metric: change.metric,
      from: change.from,
      to: change.to,
      value: change.value,
      threshold: change.threshold,
      severity: change.severity,
      at: change.at,
      muted: change.muted,
      actorId: change.actorId,
      expiresAt: new Date(change.at.getTime() + this.config.ALERT_HISTORY_RETENTION_DAYS * 86_400_000),
    };
    try {
      await this.events.create(fields);
    } catch (error) {
      // Stored by an earlier attempt that did not get to forget the change: it is told (again).
      if (!isDuplicateKeyError(error)) throw error;
    }
    const event = AlertEvent.from(fields);
    if (event.to !== AlertState.FIRING && event.to !== AlertState.RESOLVED) return event;
    try {
      await this.pubSub.publish(alertEventsTrigger(event.projectId), event.toMessage());
    } catch (error) {
      this.logger.error(`Could not stream the change of alert ${event.alertId}: ${(error as Error).message}`);
    }
    if (!event.muted) {
      try {
        await this.notifier.notify(rule, event);
      } catch (error) {
        this.logger.error(`Could not tell of alert ${event.alertId} ${event.to}: ${(error as Error).message}`);
      }
    }
    return event;
  }

  /** A project's alert history (or one rule's), newest first; entries past their retention are left out. */
  list(args: AlertEventsArgs): Promise<Connection<AlertEvent>> {
    const filter = {
      projectId: toObjectId(args.projectId),
      ...(args.alertId ? { alertId: toObjectId(args.alertId) } : {}),
      // MongoDB removes them with the TTL index, in its own time (and the embedded server never does).
      expiresAt: { $gt: new Date() },
    };
    return paginate(this.events, filter, args, AlertEvent.from);
  }

  async forgetProject(projectId: string): Promise<void> {
    await this.events.deleteMany({ projectId: toObjectId(projectId) }).exec();
  }
}
