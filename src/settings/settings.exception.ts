import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum SettingsExceptionReason {
  /** A number outside what the platform, or the project's own limits, allow; the bound is in the message. */
  OUT_OF_BOUNDS = 'OUT_OF_BOUNDS',
  INVALID_BRANCH = 'INVALID_BRANCH',
  INVALID_BRANCH_PATTERN = 'INVALID_BRANCH_PATTERN',
  UNKNOWN_RUNTIME = 'UNKNOWN_RUNTIME',
  /** Minimum warm instances above the maximum. */
  MIN_ABOVE_MAX = 'MIN_ABOVE_MAX',
  UNKNOWN_EVENT = 'UNKNOWN_EVENT',
  /** A role or user a notification rule names is not one of the project's. */
  UNKNOWN_RECIPIENT = 'UNKNOWN_RECIPIENT',
  /** A rule that sends email to no one. */
  NO_RECIPIENTS = 'NO_RECIPIENTS',
  /** A limit lowered below a value the project's other settings use; change those first. */
  LIMIT_IN_USE = 'LIMIT_IN_USE',
  /** The settings kept changing under this update; sending it again is safe. */
  CONCURRENT_UPDATE = 'CONCURRENT_UPDATE',
}

const CODES: ReasonCodes<SettingsExceptionReason> = {
  [SettingsExceptionReason.OUT_OF_BOUNDS]: ErrorCode.BAD_USER_INPUT,
  [SettingsExceptionReason.INVALID_BRANCH]: ErrorCode.BAD_USER_INPUT,
  [SettingsExceptionReason.INVALID_BRANCH_PATTERN]: ErrorCode.BAD_USER_INPUT,
  [SettingsExceptionReason.UNKNOWN_RUNTIME]: ErrorCode.BAD_USER_INPUT,
  [SettingsExceptionReason.MIN_ABOVE_MAX]: ErrorCode.BAD_USER_INPUT,
  [SettingsExceptionReason.UNKNOWN_EVENT]: ErrorCode.BAD_USER_INPUT,
  [SettingsExceptionReason.UNKNOWN_RECIPIENT]: ErrorCode.BAD_USER_INPUT,
  [SettingsExceptionReason.NO_RECIPIENTS]: ErrorCode.BAD_USER_INPUT,
  [SettingsExceptionReason.LIMIT_IN_USE]: ErrorCode.CONFLICT,
  [SettingsExceptionReason.CONCURRENT_UPDATE]: ErrorCode.CONFLICT,
};

export class SettingsException extends AppException<SettingsExceptionReason> {
  readonly feature = 'settings';
  protected readonly codes = CODES;
}
