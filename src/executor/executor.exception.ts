import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum ExecutorExceptionReason {
  SANDBOX_UNAVAILABLE = 'SANDBOX_UNAVAILABLE',
}

const CODES: ReasonCodes<ExecutorExceptionReason> = {
  [ExecutorExceptionReason.SANDBOX_UNAVAILABLE]: ErrorCode.SERVICE_UNAVAILABLE,
};

export class ExecutorException extends AppException<ExecutorExceptionReason> {
  readonly feature = 'executor';
  protected readonly codes = CODES;
}
