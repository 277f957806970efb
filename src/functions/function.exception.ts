import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum FunctionExceptionReason {
  FUNCTION_NOT_FOUND = 'FUNCTION_NOT_FOUND',
  VERSION_NOT_FOUND = 'VERSION_NOT_FOUND',
  INVOCATION_NOT_FOUND = 'INVOCATION_NOT_FOUND',
  NAME_TAKEN = 'NAME_TAKEN',
  INVALID_NAME = 'INVALID_NAME',
  RUNTIME_UNAVAILABLE = 'RUNTIME_UNAVAILABLE',
  INVALID_HANDLER = 'INVALID_HANDLER',
  INVALID_FILES = 'INVALID_FILES',
  CODE_TOO_LARGE = 'CODE_TOO_LARGE',
  COMPILE_FAILED = 'COMPILE_FAILED',
  INVALID_ENV = 'INVALID_ENV',
  INVALID_SCHEDULE = 'INVALID_SCHEDULE',
  INVALID_EVENT_PATTERN = 'INVALID_EVENT_PATTERN',
  /** A timeout or memory size above the project's limits. */
  OUT_OF_BOUNDS = 'OUT_OF_BOUNDS',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  FUNCTION_DISABLED = 'FUNCTION_DISABLED',
  NO_ACTIVE_VERSION = 'NO_ACTIVE_VERSION',
  NOTHING_TO_ROLL_BACK = 'NOTHING_TO_ROLL_BACK',
  /** Every instance the function may have is busy, and none came free in time. */
  CONCURRENCY_LIMIT = 'CONCURRENCY_LIMIT',
  INVALID_PERIOD = 'INVALID_PERIOD',
}

const CODES: ReasonCodes<FunctionExceptionReason> = {
  [FunctionExceptionReason.FUNCTION_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [FunctionExceptionReason.VERSION_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [FunctionExceptionReason.INVOCATION_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [FunctionExceptionReason.NAME_TAKEN]: ErrorCode.CONFLICT,
  [FunctionExceptionReason.INVALID_NAME]: ErrorCode.BAD_USER_INPUT,
  [FunctionExceptionReason.RUNTIME_UNAVAILABLE]: ErrorCode.BAD_USER_INPUT,
  [FunctionExceptionReason.INVALID_HANDLER]: ErrorCode.BAD_USER_INPUT,
  [FunctionExceptionReason.INVALID_FILES]: ErrorCode.BAD_USER_INPUT,
  [FunctionExceptionReason.CODE_TOO_LARGE]: ErrorCode.BAD_USER_INPUT,
  [FunctionExceptionReason.COMPILE_FAILED]: ErrorCode.BAD_USER_INPUT,
  [FunctionExceptionReason.INVALID_ENV]: ErrorCode.BAD_USER_INPUT,
  [FunctionExceptionReason.INVALID_SCHEDULE]: ErrorCode.BAD_USER_INPUT,
  [FunctionExceptionReason.INVALID_EVENT_PATTERN]: ErrorCode.BAD_USER_INPUT,
  [FunctionExceptionReason.OUT_OF_BOUNDS]: ErrorCode.BAD_USER_INPUT,
  [FunctionExceptionReason.PAYLOAD_TOO_LARGE]: ErrorCode.BAD_USER_INPUT,
  [FunctionExceptionReason.FUNCTION_DISABLED]: ErrorCode.CONFLICT,
  [FunctionExceptionReason.NO_ACTIVE_VERSION]: ErrorCode.CONFLICT,
  [FunctionExceptionReason.NOTHING_TO_ROLL_BACK]: ErrorCode.CONFLICT,
  [FunctionExceptionReason.CONCURRENCY_LIMIT]: ErrorCode.RATE_LIMITED,
  [FunctionExceptionReason.INVALID_PERIOD]: ErrorCode.BAD_USER_INPUT,
};

export class FunctionException extends AppException<FunctionExceptionReason> {
  readonly feature = 'functions';
  protected readonly codes = CODES;
}
