import { MetricAggregate } from '../analytics/models/metric-aggregate.enum';

/** Where an alert rule stands. */
export enum AlertState {
  /** Not breaching (or never evaluated). */
  OK = 'OK',
  /** Breaching, for less than the rule's `for` duration so far. */
  PENDING = 'PENDING',
  /** Breaching for at least `for`: notified. */
  FIRING = 'FIRING',
  /** Back on the safe side after firing (or resolved by hand); behaves as OK from then on. */
  RESOLVED = 'RESOLVED',
}

/** How a rule's value is compared with its threshold: the value breaches when `value <op> threshold`. */
export enum AlertComparison {
  GT = 'GT',
  GTE = 'GTE',
  LT = 'LT',
  LTE = 'LTE',
}

/** What an evaluation whose window holds no point (no data) counts as. */
export enum AlertNoData {
  /** Not breaching, and recovered: a rule whose metric stops reporting goes back to OK, or resolves. */
  OK = 'OK',
  /** Breaching: a rule whose metric stops reporting fires (after `for`), and a firing one stays firing. */
  ALERTING = 'ALERTING',
  /** Nothing changes: the rule stays in its state, with its times, until data comes back. */
  KEEP_STATE = 'KEEP_STATE',
}

/** What a rule compares, as the state machine needs it. */
export interface AlertCondition {
  comparison: AlertComparison;
  threshold: number;
  /** Where a firing rule counts as recovered; null: the threshold itself. */
  recoveryThreshold: number | null;
  /** How long a breach (and a recovery) must hold, in milliseconds; 0 allowed. */
  forMs: number;
  /** What no data (a null value) counts as. */
  noData: AlertNoData;
}

/** A rule's state and the times it is measured from. */
export interface AlertStatus {
  state: AlertState;
  /** When the rule entered `state` (for PENDING, when the breach began). */
  stateSince: Date;
  /** While FIRING: since when the value has been on the safe side, at every evaluation; null otherwise. */
  recoveringSince: Date | null;
}

/** One change of state. */
export interface AlertTransition {
  from: AlertState;
  to: AlertState;
}

/** What one evaluation leads to: the new status, and the transition when the state changed. */
export interface AlertStep {
  status: AlertStatus;
  transition: AlertTransition | null;
}

/** Whether `value` is on the breaching side of `threshold`. */
export function compares(value: number, comparison: AlertComparison, threshold: number): boolean {
  switch (comparison) {
    case AlertComparison.GT:
      return value > threshold;
    case AlertComparison.GTE:
      return value >= threshold;
    case AlertComparison.LT:
      return value < threshold;
    case AlertComparison.LTE:
      return value <= threshold;
  }
}

/**
 * The value a rule judges, from what its window gave (null: no point in the window). COUNT and
 * SUM of no point are 0, a value like any other, so that a rule such as `COUNT < 1` can tell that
 * a metric stopped reporting; the other aggregates of no point are no data. Whether the query
 * answers null or 0 for them, the rule sees 0.
 */
export function windowValue(aggregate: MetricAggregate, value: number | null): number | null {
  if (value !== null) return value;
  return aggregate === MetricAggregate.COUNT || aggregate === MetricAggregate.SUM ? 0 : null;
}

/** Whether a value breaches the rule. No data (null) does only when the rule says it alerts. */
export function breaches(condition: AlertCondition, value: number | null): boolean {
  if (value === null) return condition.noData === AlertNoData.ALERTING;
  return compares(value, condition.comparison, condition.threshold);
}

/**
 * Whether a value is on the safe side of the recovery threshold: it would not breach a rule
 * whose threshold were the recovery threshold. No data is safe unless the rule says it alerts.
 */
export function recovered(condition: AlertCondition, value: number | null): boolean {
  if (value === null) return condition.noData !== AlertNoData.ALERTING;
  return !compares(value, condition.comparison, condition.recoveryThreshold ?? condition.threshold);
}

/**
 * Whether a recovery threshold leaves a band between recovering and breaching rather than
 * overlapping it: for GT and GTE it may not be above the threshold, for LT and LTE not below it.
 */
export function recoveryThresholdFits(comparison: AlertComparison, threshold: number, recovery: number): boolean {
  return comparison === AlertComparison.GT || comparison === AlertComparison.GTE
    ? recovery <= threshold
    : recovery >= threshold;
}

/**
 * One evaluation of a rule at `now` with the value its window gave. OK (and RESOLVED) become
 * PENDING on a breach, or FIRING at once when `for` is 0; PENDING becomes FIRING once the breach
 * has held for `for`, and OK as soon as it stops. FIRING becomes RESOLVED once the value has been
 * on the safe side of the recovery threshold at every evaluation for `for`, and at two
 * evaluations in a row at least: a value between the two thresholds, or one crossing back and
 * forth, keeps it FIRING, so it neither resolves nor fires again on each crossing.
 *
 * No data (a null value) counts as the rule's `noData` says: not breaching and recovered (OK),
 * breaching and not recovered (ALERTING), or no evaluation at all (KEEP_STATE: the status stays
 * as it is, times included).
 */
export function evaluateAlert(
  condition: AlertCondition,
  status: AlertStatus,
  value: number | null,
  now: Date,
): AlertStep {
  const held = (since: Date): boolean => now.getTime() - since.getTime() >= condition.forMs;
  const move = (to: AlertState): AlertStep => ({
    status: { state: to, stateSince: now, recoveringSince: null },
    transition: { from: status.state, to },
  });
  const stay = (recoveringSince: Date | null = null): AlertStep => ({
    status: { ...status, recoveringSince },
    transition: null,
  });
  if (value === null && condition.noData === AlertNoData.KEEP_STATE) return { status, transition: null };
  switch (status.state) {
    case AlertState.OK:
    case AlertState.RESOLVED:
      if (!breaches(condition, value)) return stay();
      return move(condition.forMs === 0 ? AlertState.FIRING : AlertState.PENDING);
    case AlertState.PENDING:
      if (!breaches(condition, value)) return move(AlertState.OK);
      return held(status.stateSince) ? move(AlertState.FIRING) : stay();
    case AlertState.FIRING:
      if (!recovered(condition, value)) return stay(null);
      if (status.recoveringSince === null) return stay(now);
      return held(status.recoveringSince) ? move(AlertState.RESOLVED) : stay(status.recoveringSince);
  }
}

/** Whether a status differs from another in anything stored. */
export function statusChanged(before: AlertStatus, after: AlertStatus): boolean {
  return (
    before.state !== after.state ||
    before.stateSince.getTime() !== after.stateSince.getTime() ||
    (before.recoveringSince?.getTime() ?? null) !== (after.recoveringSince?.getTime() ?? null)
  );
}
