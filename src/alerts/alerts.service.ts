import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { RequestContext } from '../common/context/request-context';
import { isObjectId, toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import { AlertHistoryService } from './alert-history.service';
import { AlertOutboxService } from './alert-outbox.service';
import {
  checkFor,
  checkLabels,
  checkMetric,
  checkMuteUntil,
  checkName,
  checkThresholds,
  checkWindow,
} from './alert-rules';
import { AlertState } from './alert-state';
import { AlertException, AlertExceptionReason } from './alert.exception';
import { AlertRecord } from './alert.schema';
import type { CreateAlertInput } from './dto/create-alert.input';
import type { MuteAlertInput } from './dto/mute-alert.input';
import type { UpdateAlertInput } from './dto/update-alert.input';
import { Alert } from './models/alert.model';

/** Times a change made by hand is tried again while evaluations keep changing the rule's state. */
const MANUAL_ATTEMPTS = 5;

/** How long a deletion waits for the rule's last changes to be recorded (by whichever process is recording them). */
const DELETE_SETTLE_MS = 5_000;

/** What an evaluation is computed from, besides the state: a change of any of them moves the rule's `revision`. */
const CONDITION_FIELDS = [
  'metric',
  'labels',
  'aggregate',
  'comparison',
  'threshold',
  'recoveryThreshold',
  'windowSeconds',
  'forSeconds',
  'noData',
  'enabled',
] as const satisfies readonly (keyof AlertRecord)[];

/**
 * A project's alert rules: created, changed, deleted, muted, resolved by hand. Evaluating them is
 * `AlertEvaluatorService`'s; their history, `AlertHistoryService`'s.
 */
@Injectable()
export class AlertsService {
  constructor(
    @InjectModel(AlertRecord.name) private readonly alerts: Model<AlertRecord>,
    private readonly history: AlertHistoryService,
    private readonly outbox: AlertOutboxService,
    private readonly config: AppConfig,
  ) {}

  async create(input: CreateAlertInput): Promise<Alert> {
    const recoveryThreshold = input.recoveryThreshold ?? null;
    checkThresholds(input.comparison, input.threshold, recoveryThreshold);
    const fields = {
      name: checkName(input.name),
      metric: checkMetric(input.metric),
      labels: checkLabels(input.labels ?? []),
      aggregate: input.aggregate,
      comparison: input.comparison,
      threshold: input.threshold,
      recoveryThreshold,
      windowSeconds: checkWindow(input.window),
      forSeconds: checkFor(input.for),
      noData: input.noData,
      severity: input.severity,
      channels: [...new Set(input.channels)],
      enabled: input.enabled,
    };
    const projectId = toObjectId(input.projectId);
    const limit = this.config.ALERTS_PER_PROJECT;
    // Two creations at once could both pass; the cap keeps lists and evaluation bounded, which one more does not break.
    if ((await this.alerts.countDocuments({ projectId }).exec()) >= limit) {
      throw new AlertException(
        AlertExceptionReason.ALERT_LIMIT_REACHED,
        `A project has at most ${limit} alert rules; delete one first`,
        { limit },
      );
    }
    const record = await this.alerts.create({
      projectId,
      ...fields,
      state: AlertState.OK,
      stateSince: new Date(),
    });
    return Alert.from(record.toObject<AlertRecord>());
  }

  async update(ctx: RequestContext, input: UpdateAlertInput): Promise<Alert> {
    const current = await this.record(input.id);
    const set: Partial<AlertRecord> = {};
    // A field left out, or sent as null, stays as it is; only the recovery threshold has a null of its own.
    const given = <T>(value: T | null | undefined): value is T => value !== undefined && value !== null;
    if (given(input.name)) set.name = checkName(input.name);
    if (given(input.metric)) set.metric = checkMetric(input.metric);
    if (given(input.labels)) set.labels = checkLabels(input.labels);
    if (given(input.aggregate)) set.aggregate = input.aggregate;
    if (given(input.comparison)) set.comparison = input.comparison;
    if (given(input.threshold)) set.threshold = input.threshold;
    if (input.recoveryThreshold !== undefined) set.recoveryThreshold = input.recoveryThreshold;
    if (given(input.window)) set.windowSeconds = checkWindow(input.window);
    if (given(input.for)) set.forSeconds = checkFor(input.for);
    if (given(input.noData)) set.noData = input.noData;
    if (given(input.severity)) set.severity = input.severity;
    if (given(input.channels)) set.channels = [...new Set(input.channels)];
    if (given(input.enabled)) set.enabled = input.enabled;
    const conditionChanges = CONDITION_FIELDS.some(
      (field) => field in set && JSON.stringify(set[field]) !== JSON.stringify(current[field]),
    );
    const comparison = set.comparison ?? current.comparison;
    const threshold = set.threshold ?? current.threshold;
    const recovery = set.recoveryThreshold !== undefined ? set.recoveryThreshold : current.recoveryThreshold;
    checkThresholds(comparison, threshold, recovery);
    // The thresholds are written only over the ones they were checked with: a concurrent change
    // of the other could otherwise leave the recovery threshold on the breaching side.
    const updated = await this.alerts
      .findOneAndUpdate(
        {
          _id: current._id,
          comparison: current.comparison,
          threshold: current.threshold,
          recoveryThreshold: current.recoveryThreshold,
        },
        // A new condition moves the revision, so that an evaluation computed from the old one is not stored over it.
        { $set: set, ...(conditionChanges ? { $inc: { revision: 1 } } : {}) },
        { returnDocument: 'after' },
      )
      .lean<AlertRecord>()
      .exec();
    if (!updated) {
      if (!(await this.alerts.exists({ _id: current._id }).exec())) throw this.notFound();
      throw new AlertException(
        AlertExceptionReason.CONCURRENT_CHANGE,
        "The rule's condition changed while this update was checked; send it again",
      );
    }
    if (input.enabled === false) return Alert.from(await this.stopEvaluating(ctx, updated));
    return Alert.from(updated);
  }

  /**
   * Deletes a rule. One that is FIRING is resolved first, recorded and told with who deleted it,
   * as disabling it would; a PENDING one goes back to OK. Its history stays.
   */
  async delete(ctx: RequestContext, id: string): Promise<boolean> {
    const _id = toObjectId(id);
    // Evaluations stop first, so that none can make the rule fire again between its resolution and its removal.
    const disabled = await this.alerts
      .findOneAndUpdate({ _id }, { $set: { enabled: false }, $inc: { revision: 1 } }, { returnDocument: 'after' })
      .lean<AlertRecord>()
      .exec();
    if (!disabled) throw this.notFound();
    await this.stopEvaluating(ctx, disabled);
    // Its last changes are recorded and told before it goes: they would go with it.
    await this.outbox.settle(_id, DELETE_SETTLE_MS);
    const deleted = await this.alerts
      .findOneAndDelete({
        _id,
        enabled: false,
        state: { $nin: [AlertState.FIRING, AlertState.PENDING] },
        'outbox.0': { $exists: false },
      })
      .lean<AlertRecord>()
      .exec();
    if (deleted) return true;
    if (!(await this.alerts.exists({ _id }).exec())) throw this.notFound();
    throw new AlertException(
      AlertExceptionReason.CONCURRENT_CHANGE,
      'The rule was enabled again, or its last changes are not recorded yet; it is disabled: send the deletion again',
    );
  }

  /** The project's rules, in the order they were created. */
  async list(projectId: string): Promise<Alert[]> {
    const records = await this.alerts
      .find({ projectId: toObjectId(projectId) })
      .sort({ _id: 1 })
      .limit(this.config.ALERTS_PER_PROJECT + 10)
      .lean<AlertRecord[]>()
      .exec();
    const now = new Date();
    return records.map((record) => Alert.from(record, now));
  }

  async get(id: string): Promise<Alert> {
    return Alert.from(await this.record(id));
  }

  /** Mutes the rule until `until`: it goes on being evaluated and recorded, and notifies no one. */
  async mute(input: MuteAlertInput): Promise<Alert> {
    const until = checkMuteUntil(input.until, new Date());
    return Alert.from(await this.set(input.id, { mutedUntil: until }));
  }

  async unmute(id: string): Promise<Alert> {
    return Alert.from(await this.set(id, { mutedUntil: null }));
  }

  /**
   * Resolves a firing rule by hand, recorded with who did it and told like any resolution. The
   * rule behaves as OK from then on: still breaching, it goes PENDING again at its next evaluation.
   */
  async resolve(ctx: RequestContext, id: string): Promise<Alert> {
    const { rule } = await this.changeByHand(ctx, id, (state) => {
      if (state === AlertState.FIRING) return AlertState.RESOLVED;
      throw new AlertException(AlertExceptionReason.ALERT_NOT_FIRING, `The alert is ${state}, not FIRING`, { state });
    });
    return Alert.from(rule);
  }

  /** The project a rule belongs to, for the access guard. */
  async projectOf(id: string): Promise<string | null> {
    if (!isObjectId(id)) return null;
    const record = await this.alerts.findById(toObjectId(id), { projectId: 1 }).lean<AlertRecord>().exec();
    return record ? record.projectId.toHexString() : null;
  }

  /** Removes the rules and the history of a project that is gone. */
  async forgetProject(projectId: string): Promise<void> {
    await this.alerts.deleteMany({ projectId: toObjectId(projectId) }).exec();
    await this.history.forgetProject(projectId);
  }

  /** A rule no longer evaluated does not stay FIRING or PENDING: it is resolved, or back to OK. */
  private async stopEvaluating(ctx: RequestContext, rule: AlertRecord): Promise<AlertRecord> {
    const leaving = (state: AlertState): AlertState | null =>
      state === AlertState.FIRING ? AlertState.RESOLVED : state === AlertState.PENDING ? AlertState.OK : null;
    if (leaving(rule.state) === null) return rule;
    return (await this.changeByHand(ctx, rule._id.toHexString(), leaving)).rule;
  }

  /**
   * Moves the rule to the state `to` gives for its current one (null: no change), over the state
   * it was read in, and records the change with its actor.
   */
  private async changeByHand(
    ctx: RequestContext,
    id: string,
    to: (state: AlertState) => AlertState | null,
  ): Promise<{ rule: AlertRecord }> {
    for (let attempt = 0; attempt < MANUAL_ATTEMPTS; attempt++) {
      const current = await this.record(id);
      const next = to(current.state);
      if (next === null) return { rule: current };
      const at = new Date();
      const transition = { from: current.state, to: next };
      const updated = await this.alerts
        .findOneAndUpdate(
          { _id: current._id, revision: current.revision },
          {
            $set: { state: next, stateSince: at, recoveringSince: null },
            $inc: { revision: 1 },
            $push: AlertOutboxService.push(current, transition, null, at, ctx.actorId ?? null),
          },
          { returnDocument: 'after' },
        )
        .lean<AlertRecord>()
        .exec();
      if (!updated) continue;
      await this.outbox.deliver(current._id);
      return { rule: updated };
    }
    throw new AlertException(
      AlertExceptionReason.CONCURRENT_CHANGE,
      "The rule's state kept changing under this request; try again",
    );
  }

  private async set(id: string, fields: Partial<AlertRecord>): Promise<AlertRecord> {
    const updated = await this.alerts
      .findOneAndUpdate({ _id: toObjectId(id) }, { $set: fields }, { returnDocument: 'after' })
      .lean<AlertRecord>()
      .exec();
    if (!updated) throw this.notFound();
    return updated;
  }

  private async record(id: string): Promise<AlertRecord> {
    const record = await this.alerts.findById(toObjectId(id)).lean<AlertRecord>().exec();
    if (!record) throw this.notFound();
    return record;
  }

  private notFound(): AlertException {
    return new AlertException(AlertExceptionReason.ALERT_NOT_FOUND, 'No alert rule has this id');
  }
}
