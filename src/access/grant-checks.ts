import type { UsersService } from '../auth/users.service';
import { AccessException, AccessExceptionReason } from './access.exception';

/** What giving access (a role or a grant) checks first: an end in the future, for a user who exists. */
export async function assertGrantable(users: UsersService, userId: string, expiresAt: Date | undefined): Promise<void> {
  if (expiresAt && expiresAt.getTime() <= Date.now()) {
    throw new AccessException(AccessExceptionReason.EXPIRY_IN_PAST, 'expiresAt must be in the future');
  }
  if (!(await users.exists(userId))) {
    throw new AccessException(AccessExceptionReason.USER_NOT_FOUND, 'No user has this id');
  }
}
