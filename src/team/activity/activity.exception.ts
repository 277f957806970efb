import { AppException, type ReasonCodes } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';

export enum ActivityExceptionReason {
  /** `filter.from` is after `filter.to`. */
  INVALID_TIME_RANGE = 'INVALID_TIME_RANGE',
}

const CODES: ReasonCodes<ActivityExceptionReason> = {
  [ActivityExceptionReason.INVALID_TIME_RANGE]: ErrorCode.BAD_USER_INPUT,
};

export class ActivityException extends AppException<ActivityExceptionReason> {
  readonly feature = 'activity';
  protected readonly codes = CODES;
}
