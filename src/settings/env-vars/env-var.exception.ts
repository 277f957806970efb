import { AppException, type ReasonCodes } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';

export enum EnvVarExceptionReason {
  INVALID_ENV_KEY = 'INVALID_ENV_KEY',
  INVALID_ENV_VALUE = 'INVALID_ENV_VALUE',
  INVALID_BRANCH = 'INVALID_BRANCH',
  ENV_VAR_NOT_FOUND = 'ENV_VAR_NOT_FOUND',
  ENV_VAR_LIMIT_REACHED = 'ENV_VAR_LIMIT_REACHED',
}

const CODES: ReasonCodes<EnvVarExceptionReason> = {
  [EnvVarExceptionReason.INVALID_ENV_KEY]: ErrorCode.BAD_USER_INPUT,
  [EnvVarExceptionReason.INVALID_ENV_VALUE]: ErrorCode.BAD_USER_INPUT,
  [EnvVarExceptionReason.INVALID_BRANCH]: ErrorCode.BAD_USER_INPUT,
  [EnvVarExceptionReason.ENV_VAR_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [EnvVarExceptionReason.ENV_VAR_LIMIT_REACHED]: ErrorCode.FORBIDDEN,
};

export class EnvVarException extends AppException<EnvVarExceptionReason> {
  readonly feature = 'settings';
  protected readonly codes = CODES;
}
