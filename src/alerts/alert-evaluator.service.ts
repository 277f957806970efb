import { hostname } from 'node:os';
import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { MetricsQueryService } from '../analytics/metrics-query.service';
import { AppConfig } from '../config/app-config';
import { AlertOutboxService } from './alert-outbox.service';
import { labelsRecord } from './alert-rules';
import {
  AlertNoData,
  evaluateAlert,
  statusChanged,
  windowValue,
  type AlertCondition,
  type AlertStatus,
} from './alert-state';
import { AlertRecord } from './alert.schema';

/** Evaluations a rule keeps the record of (`recentEvaluations`). */
const RECENT_EVALUATIONS = 20;
/** Rules one run evaluates at once. */
const PARALLEL = 10;
/** Times an evaluation is computed again when a change (by hand, or of the condition) moved the rule meanwhile. */
const WRITE_ATTEMPTS = 3;

const conditionOf = (rule: AlertRecord): AlertCondition => ({
  comparison: rule.comparison,
  threshold: rule.threshold,
  recoveryThreshold: rule.recoveryThreshold,
  forMs: rule.forSeconds * 1000,
  noData: rule.noData ?? AlertNoData.OK,
});

const statusOf = (rule: AlertRecord): AlertStatus => ({
  state: rule.state,
  stateSince: rule.stateSince,
  recoveringSince: rule.recoveringSince,
});

/**
 * Evaluates alert rules, once per evaluation interval (a tick: the time divided by
 * ALERT_EVALUATION_INTERVAL_MS) whatever runs the job: each rule is first claimed for the tick by
 * moving its `lastTick` up to it, which only one run can do, so duplicated jobs, several workers
 * and retries evaluate no rule twice in a tick.
 */
@Injectable()
export class AlertEvaluatorService {
  private readonly logger = new Logger(AlertEvaluatorService.name);
  /** Which process evaluates, as `recentEvaluations` names it. */
  private readonly identity = `${hostname()}:${process.pid}`;

  constructor(
    @InjectModel(AlertRecord.name) private readonly alerts: Model<AlertRecord>,
    private readonly metrics: MetricsQueryService,
    private readonly outbox: AlertOutboxService,
    private readonly config: AppConfig,
  ) {}

  /** The tick `at` falls in. */
  tickOf(at: Date): number {
    return Math.floor(at.getTime() / this.config.ALERT_EVALUATION_INTERVAL_MS);
  }

  /** Claims and evaluates every enabled rule not yet evaluated in the tick of `now`; returns how many it claimed. */
  async evaluateDue(now = new Date()): Promise<{ tick: number; evaluated: number }> {
    try {
      // Changes another run made and could not record (a failure, a crash) are recorded first.
      await this.outbox.sweep(now);
    } catch (error) {
      this.logger.warn(`Sweeping the alerts' pending changes failed: ${(error as Error).message}`);
    }
    const tick = this.tickOf(now);
    let evaluated = 0;
    const claim = (): Promise<AlertRecord | null> =>
      this.alerts
        .findOneAndUpdate(
          { enabled: true, lastTick: { $lt: tick } },
          { $set: { lastTick: tick }, $inc: { evaluations: 1 } },
          // Evaluations are not changes of the rule: `updatedAt` tells when someone last changed it.
          { returnDocument: 'after', timestamps: false },
        )
        .lean<AlertRecord>()
        .exec();
    const work = async (): Promise<void> => {
      for (let rule = await claim(); rule; rule = await claim()) {
        evaluated += 1;
        try {
          await this.evaluate(rule, tick);
        } catch (error) {
          // One rule's trouble (its metric unreadable, a write that failed) must not stop the others.
          this.logger.warn(`Evaluating alert ${rule._id.toHexString()} failed: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, work));
    return { tick, evaluated };
  }

  /**
   * Reads the rule's value over its window ending now, and moves it on from its stored state,
   * written only over the revision it was read in. When the rule changed meanwhile (resolved or
   * disabled by hand, or its condition changed), it is read again and its value too: what was read
   * may no longer answer the rule as it now is.
   */
  private async evaluate(claimed: AlertRecord, tick: number): Promise<void> {
    let rule: AlertRecord | null = claimed;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS && rule?.enabled; attempt++) {
      const to = new Date();
      const value = windowValue(
        rule.aggregate,
        await this.metrics.window(
          rule.projectId.toHexString(),
          rule.metric,
          labelsRecord(rule.labels),
          rule.aggregate,
          new Date(to.getTime() - rule.windowSeconds * 1000),
          to,
        ),
      );
      const before = statusOf(rule);
      const { status, transition } = evaluateAlert(conditionOf(rule), before, value, to);
      const changed = statusChanged(before, status);
      // The change of state and its pending history entry are one write: neither is stored without the other.
      const updated: AlertRecord | null = await this.alerts
        .findOneAndUpdate(
          { _id: rule._id, revision: rule.revision, enabled: true },
          {
            $set: { lastValue: value, lastEvaluatedAt: to, ...(changed ? status : {}) },
            ...(changed ? { $inc: { revision: 1 } } : {}),
            $push: {
              recentEvaluations: {
                $each: [{ tick, at: to, value, by: this.identity }],
                $slice: -RECENT_EVALUATIONS,
              },
              ...(transition ? AlertOutboxService.push(rule, transition, value, to, null) : {}),
            },
          },
          { returnDocument: 'after', timestamps: false },
        )
        .lean<AlertRecord>()
        .exec();
      if (updated) {
        if (transition) await this.outbox.deliver(rule._id);
        return;
      }
      rule = await this.alerts.findById(claimed._id).lean<AlertRecord>().exec();
    }
  }
}
