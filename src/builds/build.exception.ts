import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum BuildExceptionReason {
  INVALID_REPOSITORY_URL = 'INVALID_REPOSITORY_URL',
  LOCAL_REPOSITORY_NOT_ALLOWED = 'LOCAL_REPOSITORY_NOT_ALLOWED',
  INVALID_REF = 'INVALID_REF',
  CHECKOUT_FAILED = 'CHECKOUT_FAILED',
  NO_REPOSITORY = 'NO_REPOSITORY',
  BUILD_NOT_FOUND = 'BUILD_NOT_FOUND',
  BUILD_NOT_FINISHED = 'BUILD_NOT_FINISHED',
  INVALID_PERIOD = 'INVALID_PERIOD',
  DEPLOY_HOOK_NOT_FOUND = 'DEPLOY_HOOK_NOT_FOUND',
  INVALID_CACHE_DIRECTORY = 'INVALID_CACHE_DIRECTORY',
  BUILD_HOOK_NOT_FOUND = 'BUILD_HOOK_NOT_FOUND',
  HOOK_LIMIT_REACHED = 'HOOK_LIMIT_REACHED',
  /** A build timeout above the project's limit (its settings' maxBuildTimeoutSeconds). */
  OUT_OF_BOUNDS = 'OUT_OF_BOUNDS',
}

const CODES: ReasonCodes<BuildExceptionReason> = {
  [BuildExceptionReason.INVALID_REPOSITORY_URL]: ErrorCode.BAD_USER_INPUT,
  [BuildExceptionReason.LOCAL_REPOSITORY_NOT_ALLOWED]: ErrorCode.BAD_USER_INPUT,
  [BuildExceptionReason.INVALID_REF]: ErrorCode.BAD_USER_INPUT,
  [BuildExceptionReason.CHECKOUT_FAILED]: ErrorCode.BAD_USER_INPUT,
  [BuildExceptionReason.NO_REPOSITORY]: ErrorCode.BAD_USER_INPUT,
  [BuildExceptionReason.BUILD_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [BuildExceptionReason.BUILD_NOT_FINISHED]: ErrorCode.CONFLICT,
  [BuildExceptionReason.INVALID_PERIOD]: ErrorCode.BAD_USER_INPUT,
  [BuildExceptionReason.DEPLOY_HOOK_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [BuildExceptionReason.INVALID_CACHE_DIRECTORY]: ErrorCode.BAD_USER_INPUT,
  [BuildExceptionReason.BUILD_HOOK_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [BuildExceptionReason.HOOK_LIMIT_REACHED]: ErrorCode.FORBIDDEN,
  [BuildExceptionReason.OUT_OF_BOUNDS]: ErrorCode.BAD_USER_INPUT,
};

export class BuildException extends AppException<BuildExceptionReason> {
  readonly feature = 'builds';
  protected readonly codes = CODES;
}
