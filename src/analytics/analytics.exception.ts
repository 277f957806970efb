import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum AnalyticsExceptionReason {
  /** Not `^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$`. */
  INVALID_METRIC_NAME = 'INVALID_METRIC_NAME',
  /** A name starting `slipway.`, which only the platform records. */
  RESERVED_METRIC_NAME = 'RESERVED_METRIC_NAME',
  /** Not a finite number, or larger in magnitude than the stored range. */
  INVALID_METRIC_VALUE = 'INVALID_METRIC_VALUE',
  INVALID_METRIC_UNIT = 'INVALID_METRIC_UNIT',
  TOO_MANY_LABELS = 'TOO_MANY_LABELS',
  INVALID_LABEL_KEY = 'INVALID_LABEL_KEY',
  INVALID_LABEL_VALUE = 'INVALID_LABEL_VALUE',
  /** A point's time outside what is stored: older than minute buckets keep, or ahead of the clock. */
  INVALID_METRIC_TIME = 'INVALID_METRIC_TIME',
  /** More points in one batch than ANALYTICS_MAX_BATCH. */
  BATCH_TOO_LARGE = 'BATCH_TOO_LARGE',
  /** A new label set past ANALYTICS_MAX_SERIES_PER_METRIC series of one metric. */
  LABEL_CARDINALITY_EXCEEDED = 'LABEL_CARDINALITY_EXCEEDED',
  /** A new metric name past ANALYTICS_MAX_METRICS_PER_PROJECT names in the project. */
  TOO_MANY_METRICS = 'TOO_MANY_METRICS',
  /** A query step that is not a positive multiple of 60 seconds. */
  INVALID_STEP = 'INVALID_STEP',
  /** A query span that is not a pair of valid times with `from` before `to`. */
  INVALID_TIME_RANGE = 'INVALID_TIME_RANGE',
  /** A query that would answer with more than ANALYTICS_MAX_SERIES_POINTS steps. */
  TOO_MANY_POINTS = 'TOO_MANY_POINTS',
  /** A query that would read more than ANALYTICS_MAX_QUERY_BUCKETS stored buckets (series × buckets per series). */
  QUERY_TOO_LARGE = 'QUERY_TOO_LARGE',
  /** `deleteMetric` of a name the project has no series, bucket or point of. */
  METRIC_NOT_FOUND = 'METRIC_NOT_FOUND',
  /** More points waiting to be written than ANALYTICS_MAX_PENDING_POINTS: MongoDB is behind. */
  RECORDER_BUSY = 'RECORDER_BUSY',
}

const CODES: ReasonCodes<AnalyticsExceptionReason> = {
  [AnalyticsExceptionReason.INVALID_METRIC_NAME]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.RESERVED_METRIC_NAME]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.INVALID_METRIC_VALUE]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.INVALID_METRIC_UNIT]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.TOO_MANY_LABELS]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.INVALID_LABEL_KEY]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.INVALID_LABEL_VALUE]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.INVALID_METRIC_TIME]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.BATCH_TOO_LARGE]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.LABEL_CARDINALITY_EXCEEDED]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.TOO_MANY_METRICS]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.INVALID_STEP]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.INVALID_TIME_RANGE]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.TOO_MANY_POINTS]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.QUERY_TOO_LARGE]: ErrorCode.BAD_USER_INPUT,
  [AnalyticsExceptionReason.METRIC_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [AnalyticsExceptionReason.RECORDER_BUSY]: ErrorCode.SERVICE_UNAVAILABLE,
};

export class AnalyticsException extends AppException<AnalyticsExceptionReason> {
  readonly feature = 'analytics';
  protected readonly codes = CODES;
}
