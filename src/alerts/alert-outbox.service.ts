import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { AlertHistoryService } from './alert-history.service';
import type { AlertTransition } from './alert-state';
import { AlertRecord, type PendingAlertChange } from './alert.schema';

/** How long a process has a rule's pending changes to itself before another may take them over. */
const LEASE_MS = 30_000;
/** How often `settle` looks again while another process records a rule's changes. */
const SETTLE_POLL_MS = 50;
/** Rules whose pending changes one sweep takes at most. */
const SWEEP_BATCH = 100;
/** Pending changes a rule keeps at most, the oldest dropped past it (only while the history cannot be written). */
const MAX_PENDING = 1_000;

/** Nobody holds the lease on a rule's pending changes, or its holder ran out of time. */
const leaseFree = (now: Date): Record<string, unknown> => ({
  $or: [{ outboxLeaseUntil: null }, { outboxLeaseUntil: { $lte: now } }],
});

/**
 * The pending changes of alert rules, their outbox: a change of state is pushed onto the rule in
 * the very update that makes it, then recorded in the history and told (`AlertHistoryService`),
 * then removed. The process that made the change does that at once; a change it could not
 * record (the history refused it, the process stopped) is taken over by the sweep the workers run
 * at every evaluation. One process at a time records a rule's changes, oldest first, under a
 * lease; a change recorded again after a crash is stored once, and may be told twice.
 */
@Injectable()
export class AlertOutboxService {
  private readonly logger = new Logger(AlertOutboxService.name);

  constructor(
    @InjectModel(AlertRecord.name) private readonly alerts: Model<AlertRecord>,
    private readonly history: AlertHistoryService,
  ) {}

  /**
   * What `$push`es a change onto the rule's pending ones: part of the update that makes the
   * change, so that the one is never stored without the other.
   */
  static push(
    rule: AlertRecord,
    transition: AlertTransition,
    value: number | null,
    at: Date,
    actorId: string | null,
  ): { outbox: { $each: PendingAlertChange[]; $slice: number } } {
    const change: PendingAlertChange = {
      _id: new Types.ObjectId(),
      from: transition.from,
      to: transition.to,
      value,
      at,
      actorId,
      muted: rule.mutedUntil !== null && rule.mutedUntil.getTime() > at.getTime(),
      name: rule.name,
      metric: rule.metric,
      threshold: rule.threshold,
      severity: rule.severity,
    };
    return { outbox: { $each: [change], $slice: -MAX_PENDING } };
  }

  /**
   * Records and tells the rule's pending changes, oldest first, unless another process is doing
   * so (it then takes the new ones too). Never rejects: what it could not record stays pending,
   * for the sweep.
   */
  async deliver(alertId: Types.ObjectId): Promise<void> {
    const lease = randomUUID();
    const until = (): Date => new Date(Date.now() + LEASE_MS);
    try {
      let rule = await this.alerts
        .findOneAndUpdate(
          { _id: alertId, 'outbox.0': { $exists: true }, ...leaseFree(new Date()) },
          { $set: { outboxLeaseUntil: until(), outboxLeaseId: lease } },
          { returnDocument: 'after', timestamps: false },
        )
        .lean<AlertRecord>()
        .exec();
      while (rule && rule.outboxLeaseId === lease) {
        const change = rule.outbox[0];
        if (!change) {
          // All recorded: the lease goes back, unless a change came meanwhile, which is then this run's.
          const released = await this.alerts
            .updateOne(
              { _id: alertId, outboxLeaseId: lease, 'outbox.0': { $exists: false } },
              { $set: { outboxLeaseUntil: null, outboxLeaseId: null } },
              { timestamps: false },
            )
            .exec();
          if (released.matchedCount > 0) return;
          rule = await this.alerts.findById(alertId).lean<AlertRecord>().exec();
          continue;
        }
        try {
          await this.history.record(rule, change);
        } catch (error) {
          this.logger.warn(
            `Could not record the change of alert ${alertId.toHexString()} to ${change.to}; left for the next sweep: ${(error as Error).message}`,
          );
          await this.alerts
            .updateOne(
              { _id: alertId, outboxLeaseId: lease },
              { $set: { outboxLeaseUntil: null, outboxLeaseId: null } },
              { timestamps: false },
            )
            .exec();
          return;
        }
        rule = await this.alerts
          .findOneAndUpdate(
            { _id: alertId, outboxLeaseId: lease },
            { $pull: { outbox: { _id: change._id } }, $set: { outboxLeaseUntil: until() } },
            { returnDocument: 'after', timestamps: false },
          )
          .lean<AlertRecord>()
          .exec();
      }
    } catch (error) {
      this.logger.warn(
        `Could not record the pending changes of alert ${alertId.toHexString()}: ${(error as Error).message}`,
      );
    }
  }

  /**
   * Records the rule's pending changes, or waits while another process does, for `timeoutMs` at
   * most; resolves with whether none is left pending (true too when the rule is gone).
   */
  async settle(alertId: Types.ObjectId, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.deliver(alertId);
      const pending = await this.alerts.exists({ _id: alertId, 'outbox.0': { $exists: true } }).exec();
      if (!pending) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    }
  }

  /** Records the pending changes nobody is recording (left by a failure or a crash); returns for how many rules. */
  async sweep(now = new Date()): Promise<number> {
    const due = await this.alerts
      .find({ 'outbox.at': { $exists: true }, ...leaseFree(now) }, { _id: 1 })
      .limit(SWEEP_BATCH)
      .lean<Pick<AlertRecord, '_id'>[]>()
      .exec();
    for (const { _id } of due) await this.deliver(_id);
    return due.length;
  }
}
