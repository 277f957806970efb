import { createHash } from 'node:crypto';
import { AnalyticsException, AnalyticsExceptionReason } from './analytics.exception';
import type { MetricPoint, MetricSource } from './metrics.types';
import { SKETCH_MAX_MAGNITUDE } from './sketch/dd-sketch';

/** Most points one `record` call (and one `recordMetrics` mutation) may carry. */
export const ANALYTICS_MAX_BATCH = 1_000;
export const MAX_LABELS = 10;
export const MAX_LABEL_VALUE_LENGTH = 128;
export const MAX_UNIT_LENGTH = 32;
/** How far ahead of the clock a point may be (clocks of senders drift). */
export const MAX_FUTURE_MS = 5 * 60_000;
/** Margin kept inside minute retention, so a point is never written to a bucket about to expire. */
export const OLDEST_MARGIN_MS = 3_600_000;
/** Names only the platform records. */
export const RESERVED_PREFIX = 'slipway.';

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;
const LABEL_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Fits the pattern, but names an object's prototype: as a key it would vanish or reach Object.prototype. */
const FORBIDDEN_LABEL_KEY = '__proto__';

/** The stored resolutions with buckets, finest first, and each one's width. */
export const BUCKET_RESOLUTIONS = ['minute', 'hour', 'day'] as const;
export type BucketResolution = (typeof BUCKET_RESOLUTIONS)[number];
export const RESOLUTION_MS: Record<BucketResolution, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

export type Labels = Record<string, string>;

/** A point checked and put in its one canonical form. */
export interface CheckedPoint {
  name: string;
  value: number;
  unit: string | null;
  labels: Labels;
  /** Identifies the label set: the same for the same labels in any order. */
  labelsKey: string;
  at: Date;
}

const refuse = (reason: AnalyticsExceptionReason, message: string, index?: number): AnalyticsException =>
  new AnalyticsException(reason, index === undefined ? message : `Point ${index}: ${message}`, {
    ...(index === undefined ? {} : { index }),
  });

export function checkMetricName(name: unknown, source: MetricSource, index?: number): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw refuse(
      AnalyticsExceptionReason.INVALID_METRIC_NAME,
      'a metric name starts with a letter or _, then up to 127 letters, digits, _ . : or -',
      index,
    );
  }
  if (source === 'user' && name.startsWith(RESERVED_PREFIX)) {
    throw refuse(
      AnalyticsExceptionReason.RESERVED_METRIC_NAME,
      `names starting "${RESERVED_PREFIX}" are the platform's own metrics`,
      index,
    );
  }
  return name;
}

/** Checks labels (of a point, or of a query's filter) and returns them with their canonical key. */
export function checkLabels(labels: unknown, index?: number): { labels: Labels; labelsKey: string } {
  const entries = labels === undefined || labels === null ? [] : Object.entries(labels as object);
  if (entries.length > MAX_LABELS) {
    throw refuse(AnalyticsExceptionReason.TOO_MANY_LABELS, `at most ${MAX_LABELS} labels`, index);
  }
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key)) {
      throw refuse(
        AnalyticsExceptionReason.INVALID_LABEL_KEY,
        'a label key starts with a letter or _, then up to 63 letters, digits or _',
        index,
      );
    }
    if (key === FORBIDDEN_LABEL_KEY) {
      throw refuse(AnalyticsExceptionReason.INVALID_LABEL_KEY, `"${key}" is not a label key`, index);
    }
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LABEL_VALUE_LENGTH) {
      throw refuse(
        AnalyticsExceptionReason.INVALID_LABEL_VALUE,
        `label "${key}" needs a value of 1 to ${MAX_LABEL_VALUE_LENGTH} characters`,
        index,
      );
    }
  }
  const sorted = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) as [string, string][];
  return { labels: Object.fromEntries(sorted), labelsKey: labelsKeyOf(sorted) };
}

/** A digest of the sorted pairs: short and fixed-length for the unique index, whatever the labels. */
function labelsKeyOf(sorted: [string, string][]): string {
  if (sorted.length === 0) return '-';
  return createHash('sha256').update(JSON.stringify(sorted)).digest('base64url');
}

/** The window of times a point may carry: [oldest, newest]. */
export function acceptedTimes(now: number, minuteRetentionMs: number): { oldest: number; newest: number } {
  return { oldest: now - minuteRetentionMs + OLDEST_MARGIN_MS, newest: now + MAX_FUTURE_MS };
}

/**
 * Checks a whole batch before anything is stored: the first bad point refuses the batch, so a
 * refused batch stores none of its points.
 */
export function checkPoints(
  points: readonly MetricPoint[],
  source: MetricSource,
  now: number,
  minuteRetentionMs: number,
): CheckedPoint[] {
  if (!Array.isArray(points) || points.length > ANALYTICS_MAX_BATCH) {
    throw refuse(AnalyticsExceptionReason.BATCH_TOO_LARGE, `at most ${ANALYTICS_MAX_BATCH} points at once`);
  }
  const { oldest, newest } = acceptedTimes(now, minuteRetentionMs);
  return points.map((point, index) => {
    const name = checkMetricName(point.name, source, index);
    const value = point.value;
    if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > SKETCH_MAX_MAGNITUDE) {
      throw refuse(
        AnalyticsExceptionReason.INVALID_METRIC_VALUE,
        `a value is a finite number of magnitude at most ${SKETCH_MAX_MAGNITUDE}`,
        index,
      );
    }
    const unit = point.unit ?? null;
    if (unit !== null && (typeof unit !== 'string' || unit.length === 0 || unit.length > MAX_UNIT_LENGTH)) {
      throw refuse(AnalyticsExceptionReason.INVALID_METRIC_UNIT, `a unit is 1 to ${MAX_UNIT_LENGTH} characters`, index);
    }
    const { labels, labelsKey } = checkLabels(point.labels, index);
    const at = point.at ?? new Date(now);
    const time = at instanceof Date ? at.getTime() : NaN;
    if (!Number.isFinite(time) || time < oldest || time > newest) {
      throw refuse(
        AnalyticsExceptionReason.INVALID_METRIC_TIME,
        `a point's time is between ${new Date(oldest).toISOString()} and ${new Date(newest).toISOString()}`,
        index,
      );
    }
    // Values of -0 and 0 are one value.
    return { name, value: value === 0 ? 0 : value, unit, labels, labelsKey, at: new Date(time) };
  });
}

/** The start of the bucket of `resolution` holding `time` (buckets are aligned to the epoch, in UTC). */
export function bucketStart(time: number, resolution: BucketResolution): number {
  const width = RESOLUTION_MS[resolution];
  return Math.floor(time / width) * width;
}

/** Coarsest first: a query reads the coarsest resolution that serves its step. */
const BY_COARSENESS: BucketResolution[] = ['day', 'hour', 'minute'];

/**
 * The resolution steps of `stepMs` starting at `start` are read from: the coarsest whose buckets
 * tile the step and whose retention reaches back to `start`; when none reaches that far, the
 * coarsest that tiles it (it keeps the longest). Series, reports and the dashboard all read by it.
 */
export function servingResolution(
  stepMs: number,
  start: number,
  retentionMs: Record<BucketResolution, number>,
  now: number,
): BucketResolution {
  const tiling = BY_COARSENESS.filter((res) => stepMs % RESOLUTION_MS[res] === 0);
  if (tiling.length === 0) throw new Error(`No stored resolution tiles ${stepMs} ms`);
  return tiling.find((res) => start >= now - retentionMs[res]) ?? tiling[0]!;
}
