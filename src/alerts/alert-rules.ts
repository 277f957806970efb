import { AlertException, AlertExceptionReason } from './alert.exception';
import { AlertComparison, recoveryThresholdFits } from './alert-state';
import type { AlertLabel } from './alert.schema';

/** The bounds of a rule, shown in the errors and the docs. */
export const ALERT_BOUNDS = {
  nameMaxLength: 100,
  /** The shortest and longest window, in seconds. */
  windowMinSeconds: 1,
  windowMaxSeconds: 86_400,
  /** The longest `for` duration, in seconds (0 allowed). */
  forMaxSeconds: 86_400,
  maxLabels: 10,
  /** The longest mute, in days. */
  muteMaxDays: 30,
} as const;

/** The analytics module's rules for names and labels: a rule naming anything else could never match. */
const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;
const LABEL_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const LABEL_VALUE_MAX = 128;

export function checkName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > ALERT_BOUNDS.nameMaxLength) {
    throw new AlertException(
      AlertExceptionReason.INVALID_NAME,
      `An alert's name has 1 to ${ALERT_BOUNDS.nameMaxLength} characters`,
    );
  }
  return name;
}

export function checkMetric(name: string): string {
  if (!METRIC_NAME.test(name)) {
    throw new AlertException(
      AlertExceptionReason.INVALID_METRIC,
      `"${name.slice(0, 130)}" is not a metric name: a letter or _ first, then up to 127 letters, digits, _ . : -`,
    );
  }
  return name;
}

/** The labels as stored: each key once, sorted by key. */
export function checkLabels(labels: readonly AlertLabel[]): AlertLabel[] {
  if (labels.length > ALERT_BOUNDS.maxLabels) {
    throw new AlertException(
      AlertExceptionReason.INVALID_LABELS,
      `A rule names at most ${ALERT_BOUNDS.maxLabels} labels`,
    );
  }
  const seen = new Set<string>();
  for (const { key, value } of labels) {
    if (!LABEL_KEY.test(key)) {
      throw new AlertException(
        AlertExceptionReason.INVALID_LABELS,
        `"${key.slice(0, 70)}" is not a label key: a letter or _ first, then up to 63 letters, digits or _`,
      );
    }
    if (value.length === 0 || value.length > LABEL_VALUE_MAX) {
      throw new AlertException(
        AlertExceptionReason.INVALID_LABELS,
        `The value of label ${key} has 1 to ${LABEL_VALUE_MAX} characters`,
      );
    }
    if (seen.has(key)) {
      throw new AlertException(AlertExceptionReason.INVALID_LABELS, `The label ${key} is given twice`);
    }
    seen.add(key);
  }
  return labels.map(({ key, value }) => ({ key, value })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function checkWindow(seconds: number): number {
  const { windowMinSeconds: min, windowMaxSeconds: max } = ALERT_BOUNDS;
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new AlertException(AlertExceptionReason.INVALID_WINDOW, `The window is ${min} to ${max} seconds`, {
      min,
      max,
    });
  }
  return seconds;
}

export function checkFor(seconds: number): number {
  const max = ALERT_BOUNDS.forMaxSeconds;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > max) {
    throw new AlertException(AlertExceptionReason.INVALID_FOR, `The "for" duration is 0 to ${max} seconds`, {
      min: 0,
      max,
    });
  }
  return seconds;
}

/** The threshold and the recovery threshold together: finite, the recovery one on the safe side. */
export function checkThresholds(comparison: AlertComparison, threshold: number, recovery: number | null): void {
  if (!Number.isFinite(threshold)) {
    throw new AlertException(AlertExceptionReason.INVALID_THRESHOLD, 'The threshold must be a finite number');
  }
  if (recovery === null) return;
  if (!Number.isFinite(recovery)) {
    throw new AlertException(AlertExceptionReason.INVALID_RECOVERY_THRESHOLD, 'The recovery threshold must be finite');
  }
  if (!recoveryThresholdFits(comparison, threshold, recovery)) {
    const side = comparison === AlertComparison.GT || comparison === AlertComparison.GTE ? 'above' : 'below';
    throw new AlertException(
      AlertExceptionReason.INVALID_RECOVERY_THRESHOLD,
      `The recovery threshold ${recovery} may not be ${side} the threshold ${threshold} of a ${comparison} rule`,
      { threshold, recoveryThreshold: recovery },
    );
  }
}

/** The end of a mute: after `now`, at most ALERT_BOUNDS.muteMaxDays ahead. */
export function checkMuteUntil(until: Date, now: Date): Date {
  const max = ALERT_BOUNDS.muteMaxDays;
  if (Number.isNaN(until.getTime()) || until.getTime() <= now.getTime()) {
    throw new AlertException(AlertExceptionReason.INVALID_MUTE, 'A mute must end in the future');
  }
  if (until.getTime() > now.getTime() + max * 86_400_000) {
    throw new AlertException(AlertExceptionReason.INVALID_MUTE, `A mute lasts at most ${max} days`, { maxDays: max });
  }
  return until;
}

/** Labels as the metrics query takes them. */
export function labelsRecord(labels: readonly AlertLabel[]): Record<string, string> {
  return Object.fromEntries(labels.map(({ key, value }) => [key, value]));
}
