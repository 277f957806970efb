import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum AlertExceptionReason {
  ALERT_NOT_FOUND = 'ALERT_NOT_FOUND',
  /** The project has ALERTS_PER_PROJECT rules already. */
  ALERT_LIMIT_REACHED = 'ALERT_LIMIT_REACHED',
  /** An empty name, or one too long. */
  INVALID_NAME = 'INVALID_NAME',
  /** Not a metric name the analytics module takes. */
  INVALID_METRIC = 'INVALID_METRIC',
  /** A label key or value the analytics module would not take, or a key given twice. */
  INVALID_LABELS = 'INVALID_LABELS',
  /** The window is out of its bounds. */
  INVALID_WINDOW = 'INVALID_WINDOW',
  /** The `for` duration is out of its bounds. */
  INVALID_FOR = 'INVALID_FOR',
  /** Not a finite number. */
  INVALID_THRESHOLD = 'INVALID_THRESHOLD',
  /** On the breaching side of the threshold: a value could breach and recover at once. */
  INVALID_RECOVERY_THRESHOLD = 'INVALID_RECOVERY_THRESHOLD',
  /** A mute that ends in the past, or further ahead than allowed. */
  INVALID_MUTE = 'INVALID_MUTE',
  /** `resolveAlert` on a rule that is not firing. */
  ALERT_NOT_FIRING = 'ALERT_NOT_FIRING',
  /** The rule's state kept changing under a change made by hand, or its condition under an update, or it changed under a deletion. */
  CONCURRENT_CHANGE = 'CONCURRENT_CHANGE',
}

const CODES: ReasonCodes<AlertExceptionReason> = {
  [AlertExceptionReason.ALERT_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [AlertExceptionReason.ALERT_LIMIT_REACHED]: ErrorCode.FORBIDDEN,
  [AlertExceptionReason.INVALID_NAME]: ErrorCode.BAD_USER_INPUT,
  [AlertExceptionReason.INVALID_METRIC]: ErrorCode.BAD_USER_INPUT,
  [AlertExceptionReason.INVALID_LABELS]: ErrorCode.BAD_USER_INPUT,
  [AlertExceptionReason.INVALID_WINDOW]: ErrorCode.BAD_USER_INPUT,
  [AlertExceptionReason.INVALID_FOR]: ErrorCode.BAD_USER_INPUT,
  [AlertExceptionReason.INVALID_THRESHOLD]: ErrorCode.BAD_USER_INPUT,
  [AlertExceptionReason.INVALID_RECOVERY_THRESHOLD]: ErrorCode.BAD_USER_INPUT,
  [AlertExceptionReason.INVALID_MUTE]: ErrorCode.BAD_USER_INPUT,
  [AlertExceptionReason.ALERT_NOT_FIRING]: ErrorCode.CONFLICT,
  [AlertExceptionReason.CONCURRENT_CHANGE]: ErrorCode.CONFLICT,
};

export class AlertException extends AppException<AlertExceptionReason> {
  readonly feature = 'alerts';
  protected readonly codes = CODES;
}
