import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import type { RequestContext } from '../common/context/request-context';
import { EventBus } from '../common/events/event-bus';
import { activeAt } from '../common/mongo/expiry';
import { isDuplicateKeyError } from '../common/mongo/mongo-errors';
import { canonicalId, toObjectId } from '../common/mongo/object-id';
import { AccessException, AccessExceptionReason } from './access.exception';
import { AccessService } from './access.service';
import type { CreateRoleInput } from './dto/create-role.input';
import { EffectivePermissionsService } from './effective-permissions.service';
import { RoleRemovedEvent } from './events/role-removed.event';
import { Role } from './models/role.model';
import { BuiltInRole, isBuiltInRole, type Permission } from './permissions';
import { RoleAssignmentRecord } from './role-assignment.schema';
import { RoleRecord } from './role.schema';

/** Custom roles are capped per project so that `roles` can stay a plain list. */
export const MAX_CUSTOM_ROLES = 100;

/** The built-in roles and a project's custom roles. */
@Injectable()
export class RolesService {
  constructor(
    @InjectModel(RoleRecord.name) private readonly roles: Model<RoleRecord>,
    @InjectModel(RoleAssignmentRecord.name) private readonly assignments: Model<RoleAssignmentRecord>,
    private readonly permissions: EffectivePermissionsService,
    private readonly access: AccessService,
    private readonly events: EventBus,
  ) {}

  async list(projectId: string): Promise<Role[]> {
    const custom = await this.roles
      .find({ projectId: toObjectId(projectId) })
      .sort({ nameKey: 1 })
      .limit(MAX_CUSTOM_ROLES)
      .lean<RoleRecord[]>()
      .exec();
    const counts = await this.userCounts(projectId);
    const builtIns = Object.values(BuiltInRole).map((key) => Role.builtIn(key, counts.get(key) ?? 0));
    return [...builtIns, ...custom.map((r) => Role.from(r, counts.get(r._id.toHexString()) ?? 0))];
  }

  /** A role usable in the project: a built-in key or one of the project's custom roles. */
  async get(projectId: string, roleId: string): Promise<Role> {
    if (isBuiltInRole(roleId)) return Role.builtIn(roleId, 0);
    const record = canonicalId(roleId)
      ? await this.roles
          .findOne({ _id: toObjectId(roleId), projectId: toObjectId(projectId) })
          .lean<RoleRecord>()
          .exec()
      : null;
    if (!record) throw new AccessException(AccessExceptionReason.ROLE_NOT_FOUND, 'No role with this id in the project');
    return Role.from(record, 0);
  }

  async getMany(projectId: string, roleIds: string[]): Promise<Map<string, Role>> {
    const result = new Map<string, Role>();
    const custom: Types.ObjectId[] = [];
    for (const id of new Set(roleIds)) {
      if (isBuiltInRole(id)) result.set(id, Role.builtIn(id, 0));
      else if (canonicalId(id)) custom.push(toObjectId(id));
    }
    if (custom.length > 0) {
      const records = await this.roles
        .find({ _id: { $in: custom }, projectId: toObjectId(projectId) })
        .lean<RoleRecord[]>()
        .exec();
      for (const r of records) result.set(r._id.toHexString(), Role.from(r, 0));
    }
    return result;
  }

  async create(ctx: RequestContext, input: CreateRoleInput): Promise<Role> {
    await this.access.assertHoldsAll(ctx, input.projectId, input.permissions, 'create a role with these permissions');
    const name = input.name.trim();
    const nameKey = name.toLowerCase();
    if (isBuiltInRole(nameKey)) {
      throw new AccessException(AccessExceptionReason.ROLE_NAME_TAKEN, `"${name}" is the name of a built-in role`);
    }
    const projectId = toObjectId(input.projectId);
    if ((await this.roles.countDocuments({ projectId }).exec()) >= MAX_CUSTOM_ROLES) {
      throw new AccessException(
        AccessExceptionReason.ROLE_NAME_TAKEN,
        `A project can have at most ${MAX_CUSTOM_ROLES} custom roles`,
      );
    }
    try {
      const record = await this.roles.create({
        projectId,
        name,
        nameKey,
        description: input.description?.trim() ?? '',
        permissions: [...new Set(input.permissions)],
        createdBy: ctx.actorId ?? null,
      });
      return Role.from(record.toObject(), 0);
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        throw new AccessException(AccessExceptionReason.ROLE_NAME_TAKEN, `A role named "${name}" already exists`);
      }
      throw error;
    }
  }

  async updatePermissions(ctx: RequestContext, roleId: string, permissions: Permission[]): Promise<Role> {
    const record = await this.findCustom(roleId);
    const removed = record.permissions.filter((p) => !permissions.includes(p as Permission)) as Permission[];
    await this.access.assertHoldsAll(
      ctx,
      record.projectId.toHexString(),
      [...permissions, ...removed],
      'change these permissions',
    );
    const updated = await this.roles
      .findOneAndUpdate(
        { _id: record._id },
        { $set: { permissions: [...new Set(permissions)] } },
        { returnDocument: 'after' },
      )
      .lean<RoleRecord>()
      .exec();
    if (!updated) throw new AccessException(AccessExceptionReason.ROLE_NOT_FOUND, 'No custom role has this id');
    await this.permissions.invalidate(record.projectId.toHexString());
    const counts = await this.userCounts(record.projectId.toHexString());
    return Role.from(updated, counts.get(record._id.toHexString()) ?? 0);
  }

  /** Deletes a custom role; each user who held it loses it, and that is announced. */
  async delete(ctx: RequestContext, roleId: string): Promise<boolean> {
    const record = await this.findCustom(roleId);
    await this.access.assertHoldsAll(
      ctx,
      record.projectId.toHexString(),
      record.permissions as Permission[],
      'delete a role with these permissions',
    );
    const holders = await this.assignments
      .find({ projectId: record.projectId, roleId })
      .select({ userId: 1 })
      .lean<Pick<RoleAssignmentRecord, 'userId'>[]>()
      .exec();
    await this.assignments.deleteMany({ projectId: record.projectId, roleId }).exec();
    await this.roles.deleteOne({ _id: record._id }).exec();
    const projectId = record.projectId.toHexString();
    await this.permissions.invalidate(projectId);
    for (const { userId } of holders) {
      await this.events.publish(
        new RoleRemovedEvent(projectId, ctx.actorId, userId.toHexString(), roleId, 'role_deleted'),
      );
    }
    return true;
  }

  /** The project of a custom role, for the access guard; null when there is no such role. */
  async projectOfRole(roleId: string): Promise<string | null> {
    const record = await this.roles.findById(toObjectId(roleId)).select({ projectId: 1 }).lean<RoleRecord>().exec();
    return record ? record.projectId.toHexString() : null;
  }

  async forgetProject(projectId: string): Promise<void> {
    await this.roles.deleteMany({ projectId: toObjectId(projectId) }).exec();
  }

  private async findCustom(roleId: string): Promise<RoleRecord> {
    if (isBuiltInRole(roleId)) {
      throw new AccessException(AccessExceptionReason.BUILT_IN_ROLE_READ_ONLY, 'Built-in roles cannot be changed');
    }
    const record = await this.roles.findById(toObjectId(roleId)).lean<RoleRecord>().exec();
    if (!record) throw new AccessException(AccessExceptionReason.ROLE_NOT_FOUND, 'No custom role has this id');
    return record;
  }

  /** Active holders per role, counted by the database so the figure is right whatever expired. */
  private async userCounts(projectId: string): Promise<Map<string, number>> {
    const rows = await this.assignments
      .aggregate<{ _id: string; count: number }>([
        { $match: { projectId: toObjectId(projectId), ...activeAt(new Date()) } },
        { $group: { _id: '$roleId', count: { $sum: 1 } } },
      ])
      .exec();
    return new Map(rows.map((r) => [r._id, r.count]));
  }
}
