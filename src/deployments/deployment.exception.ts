import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum DeploymentExceptionReason {
  DEPLOYMENT_NOT_FOUND = 'DEPLOYMENT_NOT_FOUND',
  NOTHING_TO_ROLL_BACK_TO = 'NOTHING_TO_ROLL_BACK_TO',
}

const CODES: ReasonCodes<DeploymentExceptionReason> = {
  [DeploymentExceptionReason.DEPLOYMENT_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [DeploymentExceptionReason.NOTHING_TO_ROLL_BACK_TO]: ErrorCode.CONFLICT,
};

export class DeploymentException extends AppException<DeploymentExceptionReason> {
  readonly feature = 'deployments';
  protected readonly codes = CODES;
}
