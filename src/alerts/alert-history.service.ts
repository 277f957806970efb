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
import { AlertState, type AlertTransition } from './alert-state';
import type { AlertRecord } from './alert.schema';
import type { AlertEventsArgs } from './dto/alerts.args';
import { AlertEvent } from './models/alert-event.model';

/** The PubSub trigger of a project's alert stream (`alertEvents` subscriptions). */
export const alertEventsTrigger = (projectId: string): string => `alerts:${projectId}`;

/** What a recorded change was: the rule after it, the change, and what caused it. */
export interface RecordedChange {
  /** The rule as stored with its new state. */
  rule: AlertRecord;
  transition: AlertTransition;
  /** What the evaluation saw; null for no data or a change made by hand. */
  value: number | null;
  at: Date;
  /** Who made the change by hand; null for an evaluation. */
  actorId: string | null;
}

/**
 * Alert rules' history: every change of state is stored in `alert_events`; FIRING and RESOLVED
 * ones also go to the project's alert stream on every API process (muted ones flagged), and,
 * unless the rule is muted, to the rule's channels.
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

  async record(change: RecordedChange): Promise<AlertEvent> {
    const { rule, transition, value, at, actorId } = change;
    const muted = rule.mutedUntil !== null && rule.mutedUntil.getTime() > at.getTime();
    const stored = (
      await this.events.create({
        alertId: rule._id,
        projectId: rule.projectId,
        name: rule.name,
        metric: rule.metric,
        from: transition.from,
        to: transition.to,
        value,
        threshold: rule.threshold,
        severity: rule.severity,
        at,
        muted,
        actorId,
        expiresAt: new Date(at.getTime() + this.config.ALERT_HISTORY_RETENTION_DAYS * 86_400_000),
      })
    ).toObject<AlertEventRecord>();
    const event = AlertEvent.from(stored);
    if (transition.to !== AlertState.FIRING && transition.to !== AlertState.RESOLVED) return event;
    try {
      await this.pubSub.publish(alertEventsTrigger(event.projectId), event.toMessage());
    } catch (error) {
      this.logger.error(`Could not stream the change of alert ${event.alertId}: ${(error as Error).message}`);
    }
    if (!muted) await this.notifier.notify(rule, event);
    return event;
  }

  /** A project's alert history (or one rule's), newest first. */
  list(args: AlertEventsArgs): Promise<Connection<AlertEvent>> {
    const filter = {
      projectId: toObjectId(args.projectId),
      ...(args.alertId ? { alertId: toObjectId(args.alertId) } : {}),
    };
    return paginate(this.events, filter, args, AlertEvent.from);
  }

  async forgetProject(projectId: string): Promise<void> {
    await this.events.deleteMany({ projectId: toObjectId(projectId) }).exec();
  }
}
