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

/** What a rule compares, as the state machine needs it. */
export interface AlertCondition {
  comparison: AlertComparison;
  threshold: number;
  /** Where a firing rule counts as recovered; null: the threshold itself. */
  recoveryThreshold: number | null;
  /** How long a breach (and a recovery) must hold, in milliseconds; 0 allowed. */
  forMs: number;
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

/** Whether a value breaches the rule. No data (null) never does. */
export function breaches(condition: AlertCondition, value: number | null): boolean {
  return value !== null && compares(value, condition.comparison, condition.threshold);
}

/**
 * Whether a value is on the safe side of the recovery threshold: it would not breach a rule
 * whose threshold were the recovery threshold. No data is safe.
 */
export function recovered(condition: AlertCondition, value: number | null): boolean {
  return value === null || !compares(value, condition.comparison, condition.recoveryThreshold ?? condition.threshold);
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
