import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import type { RequestContext } from '../common/context/request-context';
import { isDuplicateKeyError } from '../common/mongo/mongo-errors';
import { oid } from '../common/mongo/object-id';
import { AccessException, AccessExceptionReason } from './access.exception';
import type { CreateRoleInput } from './dto/create-role.input';
import { assertHoldsAll } from './holds-all';
import { Role } from './models/role.model';
import { activeAt, PermissionResolver } from './permission-resolver.service';
import {
  BUILT_IN_ROLE_NAMES,
  BUILT_IN_ROLE_PERMISSIONS,
  BuiltInRole,
  isBuiltInRole,
  type Permission,
} from './permissions';
import { RoleAssignmentRecord } from './role-assignment.schema';
import { RoleRecord } from './role.schema';

/** Custom roles are capped per project so that `roles` can stay a plain list. */
export const MAX_CUSTOM_ROLES = 100;

/** The built-in roles and a project's custom roles. */
@Injectable()
export class RoleCatalog {
  constructor(
    @InjectModel(RoleRecord.name) private readonly roles: Model<RoleRecord>,
    @InjectModel(RoleAssignmentRecord.name) private readonly assignments: Model<RoleAssignmentRecord>,
    private readonly resolver: PermissionResolver,
  ) {}

  async list(projectId: string): Promise<Role[]> {
    const custom = await this.roles
      .find({ projectId: oid(projectId) })
      .sort({ nameKey: 1 })
      .limit(MAX_CUSTOM_ROLES)
      .lean<RoleRecord[]>()
      .exec();
    const counts = await this.userCounts(projectId);
    const builtIns = Object.values(BuiltInRole).map((key) => this.builtIn(key, counts.get(key) ?? 0));
    return [...builtIns, ...custom.map((r) => this.toRole(r, counts.get(r._id.toHexString()) ?? 0))];
  }

  /** A role usable in the project: a built-in key or one of the project's custom roles. */
  async get(projectId: string, roleId: string): Promise<Role> {
    if (isBuiltInRole(roleId)) return this.builtIn(roleId, 0);
    const record = Types.ObjectId.isValid(roleId)
      ? await this.roles
          .findOne({ _id: oid(roleId), projectId: oid(projectId) })
          .lean<RoleRecord>()
          .exec()
      : null;
    if (!record) throw new AccessException(AccessExceptionReason.ROLE_NOT_FOUND, 'No role with this id in the project');
    return this.toRole(record, 0);
  }

  async getMany(projectId: string, roleIds: string[]): Promise<Map<string, Role>> {
    const result = new Map<string, Role>();
    const custom: Types.ObjectId[] = [];
    for (const id of new Set(roleIds)) {
      if (isBuiltInRole(id)) result.set(id, this.builtIn(id, 0));
      else if (Types.ObjectId.isValid(id)) custom.push(oid(id));
    }
    if (custom.length > 0) {
      const records = await this.roles
        .find({ _id: { $in: custom }, projectId: oid(projectId) })
        .lean<RoleRecord[]>()
        .exec();
      for (const r of records) result.set(r._id.toHexString(), this.toRole(r, 0));
    }
    return result;
  }

  async create(ctx: RequestContext, input: CreateRoleInput): Promise<Role> {
    assertHoldsAll(ctx, input.projectId, input.permissions, 'create a role with these permissions');
    const name = input.name.trim();
    const nameKey = name.toLowerCase();
    if (isBuiltInRole(nameKey)) {
      throw new AccessException(AccessExceptionReason.ROLE_NAME_TAKEN, `"${name}" is the name of a built-in role`);
    }
    const projectId = oid(input.projectId);
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
      return this.toRole(record.toObject(), 0);
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
    assertHoldsAll(ctx, record.projectId.toHexString(), [...permissions, ...removed], 'change these permissions');
    const updated = await this.roles
      .findOneAndUpdate(
        { _id: record._id },
        { $set: { permissions: [...new Set(permissions)] } },
        { returnDocument: 'after' },
      )
      .lean<RoleRecord>()
      .exec();
    if (!updated) throw new AccessException(AccessExceptionReason.ROLE_NOT_FOUND, 'No custom role has this id');
    await this.resolver.invalidate(record.projectId.toHexString());
    const counts = await this.userCounts(record.projectId.toHexString());
    // Assignments store the canonical (lower-case) id; the caller's may be upper-case hex.
    return this.toRole(updated, counts.get(record._id.toHexString()) ?? 0);
  }

  /** Deletes a custom role; returns the users who held it, for the caller to announce. */
  async delete(ctx: RequestContext, roleId: string): Promise<{ projectId: string; roleId: string; userIds: string[] }> {
    const record = await this.findCustom(roleId);
    assertHoldsAll(
      ctx,
      record.projectId.toHexString(),
      record.permissions as Permission[],
      'delete a role with these permissions',
    );
    // Assignments store the canonical (lower-case) id; matching the caller's spelling would miss
    // them when it is upper-case hex, leaving holders attached to a role that no longer exists.
    const canonicalId = record._id.toHexString();
    const holders = await this.assignments
      .find({ projectId: record.projectId, roleId: canonicalId })
      .select({ userId: 1 })
      .lean<Pick<RoleAssignmentRecord, 'userId'>[]>()
      .exec();
    await this.assignments.deleteMany({ projectId: record.projectId, roleId: canonicalId }).exec();
    await this.roles.deleteOne({ _id: record._id }).exec();
    await this.resolver.invalidate(record.projectId.toHexString());
    return {
      projectId: record.projectId.toHexString(),
      roleId: canonicalId,
      userIds: holders.map((h) => h.userId.toHexString()),
    };
  }

  /** The project of a custom role, for the access guard; null when there is no such role. */
  async projectOfRole(roleId: string): Promise<string | null> {
    if (!Types.ObjectId.isValid(roleId)) return null;
    const record = await this.roles.findById(roleId).select({ projectId: 1 }).lean<RoleRecord>().exec();
    return record ? record.projectId.toHexString() : null;
  }

  async forgetProject(projectId: string): Promise<void> {
    await this.roles.deleteMany({ projectId: oid(projectId) }).exec();
  }

  /** Stands in for a role deleted while an assignment page was being read. */
  deletedRole(roleId: string): Role {
    return Object.assign(new Role(), {
      id: roleId,
      projectId: null,
      name: '(deleted role)',
      description: '',
      builtIn: false,
      permissions: [],
      userCount: 0,
      createdAt: null,
    });
  }

  private async findCustom(roleId: string): Promise<RoleRecord> {
    if (isBuiltInRole(roleId)) {
      throw new AccessException(AccessExceptionReason.BUILT_IN_ROLE_READ_ONLY, 'Built-in roles cannot be changed');
    }
    const record = await this.roles.findById(roleId).lean<RoleRecord>().exec();
    if (!record) throw new AccessException(AccessExceptionReason.ROLE_NOT_FOUND, 'No custom role has this id');
    return record;
  }

  /** Active holders per role, counted by the database so the figure is right whatever expired. */
  private async userCounts(projectId: string): Promise<Map<string, number>> {
    const rows = await this.assignments
      .aggregate<{ _id: string; count: number }>([
        { $match: { projectId: oid(projectId), ...activeAt(new Date()) } },
        { $group: { _id: '$roleId', count: { $sum: 1 } } },
      ])
      .exec();
    return new Map(rows.map((r) => [r._id, r.count]));
  }

  private builtIn(key: BuiltInRole, userCount: number): Role {
    return Object.assign(new Role(), {
      id: key,
      projectId: null,
      name: BUILT_IN_ROLE_NAMES[key],
      description: `Built-in ${BUILT_IN_ROLE_NAMES[key]} role`,
      builtIn: true,
      permissions: [...BUILT_IN_ROLE_PERMISSIONS[key]],
      userCount,
      createdAt: null,
    });
  }

  private toRole(record: RoleRecord, userCount: number): Role {
    return Object.assign(new Role(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      name: record.name,
      description: record.description,
      builtIn: false,
      permissions: record.permissions as Permission[],
      userCount,
      createdAt: record.createdAt,
    });
  }
}
