import { AppException } from '../common/errors/app.exception';

export enum ProjectExceptionReason {
  PROJECT_NOT_FOUND = 'PROJECT_NOT_FOUND',
  PROJECT_SLUG_TAKEN = 'PROJECT_SLUG_TAKEN',
}

export class ProjectException extends AppException<ProjectExceptionReason> {
  readonly feature = 'projects';
}
