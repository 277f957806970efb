import { AppException, type ReasonCodes } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

export enum ProjectExceptionReason {
  PROJECT_NOT_FOUND = 'PROJECT_NOT_FOUND',
  PROJECT_SLUG_TAKEN = 'PROJECT_SLUG_TAKEN',
  PROJECT_LIMIT_REACHED = 'PROJECT_LIMIT_REACHED',
}

const CODES: ReasonCodes<ProjectExceptionReason> = {
  [ProjectExceptionReason.PROJECT_NOT_FOUND]: ErrorCode.NOT_FOUND,
  [ProjectExceptionReason.PROJECT_SLUG_TAKEN]: ErrorCode.CONFLICT,
  [ProjectExceptionReason.PROJECT_LIMIT_REACHED]: ErrorCode.FORBIDDEN,
};

export class ProjectException extends AppException<ProjectExceptionReason> {
  readonly feature = 'projects';
  protected readonly codes = CODES;
}
