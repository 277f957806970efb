import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { UserRecord } from '../auth/user.schema';
import { CommonException, CommonExceptionReason } from '../common/errors/app.exception';
import type { RequestContext } from '../common/context/request-context';
import { oid } from '../common/mongo/object-id';
import { EventBus } from '../common/events/event-bus';
import type { Connection } from '../common/pagination/connection';
import { paginate } from '../common/pagination/paginate';
import { AccessException, AccessExceptionReason } from './access.exception';
import { assertHoldsAll } from './holds-all';
import type { AssignRoleInput } from './dto/assign-role.input';
import type { GrantPermissionInput } from './dto/grant-permission.input';
import type { RemoveRoleInput } from './dto/remove-role.input';
import type { RevokePermissionInput } from './dto/revoke-permission.input';
import type { UserRolesArgs } from './dto/user-roles.args';
import { RoleAssignedEvent } from './events/role-assigned.event';
import { RoleRemovedEvent } from './events/role-removed.event';
import type { PermissionCheck } from './models/permission-check.model';
import { PermissionGrant } from './models/permission-grant.model';
import { RoleAssignment } from './models/role-assignment.model';
import type { Role } from './models/role.model';
import { PermissionGrantRecord } from './permission-grant.schema';
import { activeAt, PermissionResolver } from './permission-resolver.service';
import { BuiltInRole, type Permission } from './permissions';
import { RoleAssignmentRecord } from './role-assignment.schema';
import { RoleCatalog } from './role-catalog.service';

/** Role assignments, direct grants and the checks built on them. */
@Injectable()
export class AccessService {
  constructor(
    @InjectModel(RoleAssignmentRecord.name) private readonly assignments: Model<RoleAssignmentRecord>,
    @InjectModel(PermissionGrantRecord.name) private readonly grants: Model<PermissionGrantRecord>,
    @InjectModel(UserRecord.name) private readonly users: Model<UserRecord>,
    private readonly resolver: PermissionResolver,
    private readonly catalog: RoleCatalog,
    private readonly events: EventBus,
  ) {}

  /** Service-level ownership check, for code paths the guard does not cover. */
  async requireAccess(ctx: RequestContext, permission: Permission, projectId: string): Promise<void> {
    const user = ctx.user;
    if (!user) throw new CommonException(CommonExceptionReason.UNAUTHENTICATED, 'Sign in to do this');
    const sameProject = ctx.projectId === projectId && ctx.permissions !== undefined;
    const permissions = sameProject ? ctx.permissions! : (await this.resolver.resolve(user.id, projectId)).permissions;
    if (!permissions.has(permission)) {
      throw new CommonException(CommonExceptionReason.FORBIDDEN, `Missing permission ${permission} in this project`);
    }
  }

  async assignRole(ctx: RequestContext, input: AssignRoleInput): Promise<RoleAssignment> {
    this.assertFuture(input.expiresAt);
    await this.assertUserExists(input.userId);
    const role = await this.catalog.get(input.projectId, input.roleId);
    assertHoldsAll(ctx, input.projectId, role.permissions, `assign the role ${role.name}`);
    // Re-assigning replaces the expiry: giving the last lasting owner an end date would leave the
    // project without an owner once it passes.
    if (role.id === BuiltInRole.OWNER && input.expiresAt) await this.assertAnotherOwner(input.projectId, input.userId);
    const record = await this.assignments
      .findOneAndUpdate(
        { projectId: oid(input.projectId), userId: oid(input.userId), roleId: role.id },
        {
          $set: { expiresAt: input.expiresAt ?? null, grantedBy: ctx.actorId ?? null },
        },
        { upsert: true, returnDocument: 'after', setDefaultsOnInsert: true },
      )
      .lean<RoleAssignmentRecord>()
      .exec();
    await this.resolver.invalidate(record.projectId.toHexString());
    // Events carry canonical (lower-case) ids: subscribers listen on them, whatever case the caller wrote.
    await this.events.publish(
      new RoleAssignedEvent(
        record.projectId.toHexString(),
        ctx.actorId,
        record.userId.toHexString(),
        role.id,
        input.expiresAt?.toISOString() ?? null,
      ),
    );
    return this.toAssignment(record, role);
  }

  /** Grants a user the Owner role of a project they just created. */
  async assignOwner(ctx: RequestContext, projectId: string): Promise<void> {
    const user = ctx.requireUser();
    await this.assignments.create({
      projectId: oid(projectId),
      userId: oid(user.id),
      roleId: BuiltInRole.OWNER,
      grantedBy: user.id,
    });
    await this.resolver.invalidate(projectId);
    await this.events.publish(new RoleAssignedEvent(projectId, user.id, user.id, BuiltInRole.OWNER, null));
  }

  async removeRole(ctx: RequestContext, input: RemoveRoleInput): Promise<boolean> {
    const role = await this.catalog.get(input.projectId, input.roleId);
    assertHoldsAll(ctx, input.projectId, role.permissions, `remove the role ${role.name}`);
    const filter = { projectId: oid(input.projectId), userId: oid(input.userId), roleId: role.id };
    const existing = await this.assignments.findOne(filter).lean<RoleAssignmentRecord>().exec();
    if (!existing) {
      throw new AccessException(AccessExceptionReason.ASSIGNMENT_NOT_FOUND, 'The user does not hold this role');
    }
    if (role.id === BuiltInRole.OWNER) await this.assertAnotherOwner(input.projectId, input.userId);
    await this.assignments.deleteOne({ _id: existing._id }).exec();
    if (role.id === BuiltInRole.OWNER && (await this.permanentOwners(existing.projectId)) === 0) {
      // Two owners removing each other at once both passed the check above; without
      // multi-document transactions the loser puts its row back.
      await this.assignments.create(existing);
      throw new AccessException(
        AccessExceptionReason.LAST_OWNER,
        'A project must keep at least one owner whose access does not expire',
      );
    }
    await this.resolver.invalidate(existing.projectId.toHexString());
    await this.events.publish(
      new RoleRemovedEvent(
        existing.projectId.toHexString(),
        ctx.actorId,
        existing.userId.toHexString(),
        role.id,
        'removed',
      ),
    );
    return true;
  }

  async grantPermission(ctx: RequestContext, input: GrantPermissionInput): Promise<PermissionGrant> {
    this.assertFuture(input.expiresAt);
    await this.assertUserExists(input.userId);
    assertHoldsAll(ctx, input.projectId, [input.permission], `grant ${input.permission}`);
    const record = await this.grants
      .findOneAndUpdate(
        { projectId: oid(input.projectId), userId: oid(input.userId), permission: input.permission },
        { $set: { expiresAt: input.expiresAt ?? null, grantedBy: ctx.actorId ?? null } },
        { upsert: true, returnDocument: 'after', setDefaultsOnInsert: true },
      )
      .lean<PermissionGrantRecord>()
      .exec();
    await this.resolver.invalidate(record.projectId.toHexString());
    return this.toGrant(record);
  }

  async revokePermission(ctx: RequestContext, input: RevokePermissionInput): Promise<boolean> {
    assertHoldsAll(ctx, input.projectId, [input.permission], `revoke ${input.permission}`);
    const result = await this.grants
      .deleteOne({ projectId: oid(input.projectId), userId: oid(input.userId), permission: input.permission })
      .exec();
    if (result.deletedCount === 0) {
      throw new AccessException(AccessExceptionReason.GRANT_NOT_FOUND, 'The user has no such direct grant');
    }
    await this.resolver.invalidate(input.projectId.toLowerCase());
    return true;
  }

  async userRoles(ctx: RequestContext, args: UserRolesArgs): Promise<Connection<RoleAssignment>> {
    const filter = {
      projectId: oid(args.projectId),
      ...(args.userId ? { userId: oid(args.userId) } : {}),
      ...activeAt(new Date()),
    };
    const page = await paginate(this.assignments, filter, args, (record) => record);
    const roles = await this.catalog.getMany(
      args.projectId,
      page.edges.map((e) => e.node.roleId),
    );
    return {
      ...page,
      edges: page.edges.map((edge) => ({
        cursor: edge.cursor,
        node: this.toAssignment(edge.node, roles.get(edge.node.roleId) ?? this.catalog.deletedRole(edge.node.roleId)),
      })),
    };
  }

  async checkPermission(
    ctx: RequestContext,
    projectId: string,
    permission: Permission,
    userId?: string,
  ): Promise<PermissionCheck> {
    const subject = (userId ?? ctx.requireUser().id).toLowerCase();
    if (subject !== ctx.user?.id) await this.requireAccess(ctx, 'role:read', projectId.toLowerCase());
    const effective = await this.resolver.resolve(subject, projectId);
    return {
      userId: subject,
      permission,
      allowed: effective.permissions.has(permission),
      sources: effective.sources.get(permission) ?? [],
    };
  }

  /** Deletes assignments and grants whose time is up, announcing each removed role. */
  async removeExpired(now = new Date()): Promise<number> {
    const expired = await this.assignments
      .find({ expiresAt: { $ne: null, $lte: now } })
      .limit(1000)
      .lean<RoleAssignmentRecord[]>()
      .exec();
    for (const record of expired) {
      const { deletedCount } = await this.assignments
        .deleteOne({ _id: record._id, expiresAt: record.expiresAt })
        .exec();
      if (deletedCount === 1) {
        await this.resolver.invalidate(record.projectId.toHexString());
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
      .find({ expiresAt: { $ne: null, $lte: now } })
      .select({ projectId: 1 })
      .limit(1000)
      .lean<Pick<PermissionGrantRecord, '_id' | 'projectId'>[]>()
      .exec();
    const grants = await this.grants.deleteMany({ _id: { $in: expiredGrants.map((g) => g._id) } }).exec();
    for (const projectId of new Set(expiredGrants.map((g) => g.projectId.toHexString()))) {
      await this.resolver.invalidate(projectId);
    }
    return expired.length + grants.deletedCount;
  }

  /** Drops every assignment and grant of a deleted project. */
  async forgetProject(projectId: string): Promise<void> {
    await Promise.all([
      this.assignments.deleteMany({ projectId: oid(projectId) }).exec(),
      this.grants.deleteMany({ projectId: oid(projectId) }).exec(),
      this.catalog.forgetProject(projectId),
    ]);
    await this.resolver.invalidate(projectId);
  }

  private assertFuture(expiresAt: Date | undefined): void {
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new AccessException(AccessExceptionReason.EXPIRY_IN_PAST, 'expiresAt must be in the future');
    }
  }

  private async assertUserExists(userId: string): Promise<void> {
    if (!(await this.users.exists({ _id: oid(userId) }).exec())) {
      throw new AccessException(AccessExceptionReason.USER_NOT_FOUND, 'No user has this id');
    }
  }

  /**
   * A project keeps at least one owner whose access does not end: an owner with an expiry does not
   * count, or the project would be left without one when it passes.
   */
  private permanentOwners(projectId: Types.ObjectId): Promise<number> {
    return this.assignments.countDocuments({ projectId, roleId: BuiltInRole.OWNER, expiresAt: null }).exec();
  }

  private async assertAnotherOwner(projectId: string, leavingUserId: string): Promise<void> {
    const others = await this.assignments
      .countDocuments({
        projectId: oid(projectId),
        roleId: BuiltInRole.OWNER,
        userId: { $ne: oid(leavingUserId) },
        expiresAt: null,
      })
      .exec();
    if (others === 0) {
      throw new AccessException(
        AccessExceptionReason.LAST_OWNER,
        'A project must keep at least one owner whose access does not expire',
      );
    }
  }

  private toAssignment(record: RoleAssignmentRecord, role: Role): RoleAssignment {
    return Object.assign(new RoleAssignment(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      userId: record.userId.toHexString(),
      role,
      expiresAt: record.expiresAt,
      grantedBy: record.grantedBy,
      createdAt: record.createdAt,
    });
  }

  private toGrant(record: PermissionGrantRecord): PermissionGrant {
    return Object.assign(new PermissionGrant(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      userId: record.userId.toHexString(),
      permission: record.permission as Permission,
      expiresAt: record.expiresAt,
      grantedBy: record.grantedBy,
      createdAt: record.createdAt,
    });
  }
}
