import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum MetricsReportExceptionReason {
  /** `from` not before `to`. */
  INVALID_TIME_RANGE = 'INVALID_TIME_RANGE',
  /** A span longer than a report covers (366 days). */
  REPORT_SPAN_TOO_LONG = 'REPORT_SPAN_TOO_LONG',
  /** More rows than ANALYTICS_REPORT_MAX_ROWS, or more bytes than ANALYTICS_REPORT_MAX_BYTES: ask for a shorter span. */
  REPORT_TOO_LARGE = 'REPORT_TOO_LARGE',
}

const CODES: ReasonCodes<MetricsReportExceptionReason> = {
  [MetricsReportExceptionReason.INVALID_TIME_RANGE]: ErrorCode.BAD_USER_INPUT,
  [MetricsReportExceptionReason.REPORT_SPAN_TOO_LONG]: ErrorCode.BAD_USER_INPUT,
  [MetricsReportExceptionReason.REPORT_TOO_LARGE]: ErrorCode.BAD_USER_INPUT,
};

export class MetricsReportException extends AppException<MetricsReportExceptionReason> {
  readonly feature = 'analytics';
  protected readonly codes = CODES;
}
