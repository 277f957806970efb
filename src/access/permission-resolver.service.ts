import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { PermissionGrantRecord } from './permission-grant.schema';
import { BUILT_IN_ROLE_PERMISSIONS, isBuiltInRole, type Permission } from './permissions';
import { RoleAssignmentRecord } from './role-assignment.schema';
import { RoleRecord } from './role.schema';

export interface EffectivePermissions {
  permissions: Set<Permission>;
  /** For each permission, what grants it (`role:<id>` or `grant:<id>`). */
  sources: Map<Permission, string[]>;
}

/** Filter for rows whose access has not ended. */
export const activeAt = (now: Date): Record<string, unknown> => ({
  $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
});

/** Computes what a user may do in a project right now, from roles and direct grants. */
@Injectable()
export class PermissionResolver {
  constructor(
    @InjectModel(RoleRecord.name) private readonly roles: Model<RoleRecord>,
    @InjectModel(RoleAssignmentRecord.name) private readonly assignments: Model<RoleAssignmentRecord>,
    @InjectModel(PermissionGrantRecord.name) private readonly grants: Model<PermissionGrantRecord>,
  ) {}

  async resolve(userId: string, projectId: string): Promise<EffectivePermissions> {
    const now = new Date();
    const scope = { projectId: new Types.ObjectId(projectId), userId: new Types.ObjectId(userId), ...activeAt(now) };
    const [assignments, grants] = await Promise.all([
      this.assignments.find(scope).select({ roleId: 1 }).lean<Pick<RoleAssignmentRecord, 'roleId'>[]>().exec(),
      this.grants
        .find(scope)
        .select({ permission: 1 })
        .lean<Pick<PermissionGrantRecord, '_id' | 'permission'>[]>()
        .exec(),
    ]);
    const result: EffectivePermissions = { permissions: new Set(), sources: new Map() };
    const add = (permission: Permission, source: string): void => {
      result.permissions.add(permission);
      result.sources.set(permission, [...(result.sources.get(permission) ?? []), source]);
    };
    const customIds: Types.ObjectId[] = [];
    for (const { roleId } of assignments) {
      if (isBuiltInRole(roleId)) {
        for (const p of BUILT_IN_ROLE_PERMISSIONS[roleId]) add(p, `role:${roleId}`);
      } else if (Types.ObjectId.isValid(roleId)) {
        customIds.push(new Types.ObjectId(roleId));
      }
    }
    if (customIds.length > 0) {
      const custom = await this.roles
        .find({ _id: { $in: customIds }, projectId: new Types.ObjectId(projectId) })
        .select({ permissions: 1 })
        .lean<Pick<RoleRecord, '_id' | 'permissions'>[]>()
        .exec();
      for (const role of custom) {
        for (const p of role.permissions) add(p as Permission, `role:${role._id.toHexString()}`);
      }
    }
    for (const grant of grants) add(grant.permission as Permission, `grant:${grant._id.toHexString()}`);
    return result;
  }

  /** Ids of the projects where the user holds any role or grant right now. */
  async projectsOf(userId: string): Promise<Types.ObjectId[]> {
    const scope = { userId: new Types.ObjectId(userId), ...activeAt(new Date()) };
    const [fromRoles, fromGrants] = await Promise.all([
      this.assignments.distinct('projectId', scope).exec(),
      this.grants.distinct('projectId', scope).exec(),
    ]);
    const unique = new Map<string, Types.ObjectId>();
    for (const id of [...fromRoles, ...fromGrants] as Types.ObjectId[]) unique.set(id.toHexString(), id);
    return [...unique.values()];
  }
}
