import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { EventBus } from '../common/events/event-bus';
import { endedAt } from '../common/mongo/expiry';
import { toObjectId } from '../common/mongo/object-id';
import { EffectivePermissionsService } from './effective-permissions.service';
import { RoleRemovedEvent } from './events/role-removed.event';
import { PermissionGrantRecord } from './permission-grant.schema';
import { RoleAssignmentRecord } from './role-assignment.schema';
import { RolesService } from './roles.service';

/** At most this many ended rows of each kind per run; the next run takes the rest. */
const BATCH = 1000;

/** Housekeeping: ended assignments and grants, and the access rows of deleted projects. */
@Injectable()
export class AccessMaintenanceService {
  constructor(
    @InjectModel(RoleAssignmentRecord.name) private readonly assignments: Model<RoleAssignmentRecord>,
    @InjectModel(PermissionGrantRecord.name) private readonly grants: Model<PermissionGrantRecord>,
    private readonly permissions: EffectivePermissionsService,
    private readonly roles: RolesService,
    private readonly events: EventBus,
  ) {}

  /** Deletes assignments and grants whose time is up, announcing each removed role. */
  async removeExpired(now = new Date()): Promise<number> {
    const expired = await this.assignments.find(endedAt(now)).limit(BATCH).lean<RoleAssignmentRecord[]>().exec();
    for (const record of expired) {
      const { deletedCount } = await this.assignments
        .deleteOne({ _id: record._id, expiresAt: record.expiresAt })
        .exec();
      if (deletedCount === 1) {
        await this.permissions.invalidate(record.projectId.toHexString());
        await this.events.publish(
          new RoleRemovedEvent(
            record.projectId.toHexString(),
            undefined,
            record.userId.toHexString(),
            record.roleId,
            'expired',
          ),
        );
      }
    }
    const expiredGrants = await this.grants
      .find(endedAt(now))
      .select({ projectId: 1 })
      .limit(BATCH)
      .lean<Pick<PermissionGrantRecord, '_id' | 'projectId'>[]>()
      .exec();
    const grants = await this.grants.deleteMany({ _id: { $in: expiredGrants.map((g) => g._id) } }).exec();
    for (const projectId of new Set(expiredGrants.map((g) => g.projectId.toHexString()))) {
      await this.permissions.invalidate(projectId);
    }
    return expired.length + grants.deletedCount;
  }

  /** Drops every assignment, grant and custom role of a deleted project. */
  async forgetProject(projectId: string): Promise<void> {
    await Promise.all([
      this.assignments.deleteMany({ projectId: toObjectId(projectId) }).exec(),
      this.grants.deleteMany({ projectId: toObjectId(projectId) }).exec(),
      this.roles.forgetProject(projectId),
    ]);
    await this.permissions.invalidate(projectId);
  }
}
