import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { UsersService } from '../auth/users.service';
import type { RequestContext } from '../common/context/request-context';
import { toObjectId } from '../common/mongo/object-id';
import { AccessException, AccessExceptionReason } from './access.exception';
import { AccessService } from './access.service';
import type { GrantPermissionInput } from './dto/grant-permission.input';
import type { RevokePermissionInput } from './dto/revoke-permission.input';
import { EffectivePermissionsService } from './effective-permissions.service';
import { PermissionGrant } from './models/permission-grant.model';
import { PermissionGrantRecord } from './permission-grant.schema';
import { assertGrantable } from './grant-checks';

/** Single permissions granted directly to a user in a project, optionally until a time. */
@Injectable()
export class PermissionGrantsService {
  constructor(
    @InjectModel(PermissionGrantRecord.name) private readonly grants: Model<PermissionGrantRecord>,
    private readonly users: UsersService,
    private readonly permissions: EffectivePermissionsService,
    private readonly access: AccessService,
  ) {}

  async grant(ctx: RequestContext, input: GrantPermissionInput): Promise<PermissionGrant> {
    await assertGrantable(this.users, input.userId, input.expiresAt);
    await this.access.assertHoldsAll(ctx, input.projectId, [input.permission], `grant ${input.permission}`);
    const record = await this.grants
      .findOneAndUpdate(
        { projectId: toObjectId(input.projectId), userId: toObjectId(input.userId), permission: input.permission },
        { $set: { expiresAt: input.expiresAt ?? null, grantedBy: ctx.actorId ?? null } },
        { upsert: true, returnDocument: 'after', setDefaultsOnInsert: true },
      )
      .lean<PermissionGrantRecord>()
      .exec();
    await this.permissions.invalidate(input.projectId);
    return PermissionGrant.from(record);
  }

  async revoke(ctx: RequestContext, input: RevokePermissionInput): Promise<boolean> {
    await this.access.assertHoldsAll(ctx, input.projectId, [input.permission], `revoke ${input.permission}`);
    const result = await this.grants
      .deleteOne({
        projectId: toObjectId(input.projectId),
        userId: toObjectId(input.userId),
        permission: input.permission,
      })
      .exec();
    if (result.deletedCount === 0) {
      throw new AccessException(AccessExceptionReason.GRANT_NOT_FOUND, 'The user has no such direct grant');
    }
    await this.permissions.invalidate(input.projectId);
    return true;
  }

  /** Revokes every direct grant of the user in the project (a member removed). */
  async revokeAllOf(projectId: string, userId: string): Promise<number> {
    const result = await this.grants
      .deleteMany({ projectId: toObjectId(projectId), userId: toObjectId(userId) })
      .exec();
    if (result.deletedCount > 0) await this.permissions.invalidate(projectId);
    return result.deletedCount;
  }
}
