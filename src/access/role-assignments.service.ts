import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { UsersService } from '../auth/users.service';
import type { RequestContext } from '../common/context/request-context';
import { EventBus } from '../common/events/event-bus';
import { activeAt } from '../common/mongo/expiry';
import { toObjectId } from '../common/mongo/object-id';
import type { Connection } from '../common/pagination/connection';
import { paginate } from '../common/pagination/paginate';
import { AccessException, AccessExceptionReason } from './access.exception';
import { AccessService } from './access.service';
import { assertGrantable } from './grant-checks';
import type { AssignRoleInput } from './dto/assign-role.input';
import type { RemoveRoleInput } from './dto/remove-role.input';
import type { UserRolesArgs } from './dto/user-roles.args';
import { EffectivePermissionsService } from './effective-permissions.service';
import { RoleAssignedEvent } from './events/role-assigned.event';
import { RoleRemovedEvent } from './events/role-removed.event';
import { Role } from './models/role.model';
import { RoleAssignment } from './models/role-assignment.model';
import { BuiltInRole } from './permissions';
import { RoleAssignmentRecord } from './role-assignment.schema';
import { RolesService } from './roles.service';

/** Users holding roles in projects, and the rule that every project keeps a lasting owner. */
@Injectable()
export class RoleAssignmentsService {
  constructor(
    @InjectModel(RoleAssignmentRecord.name) private readonly assignments: Model<RoleAssignmentRecord>,
    private readonly users: UsersService,
    private readonly permissions: EffectivePermissionsService,
    private readonly roles: RolesService,
    private readonly access: AccessService,
    private readonly events: EventBus,
  ) {}

  async assign(ctx: RequestContext, input: AssignRoleInput): Promise<RoleAssignment> {
    await assertGrantable(this.users, input.userId, input.expiresAt);
    const role = await this.roles.get(input.projectId, input.roleId);
    await this.access.assertHoldsAll(ctx, input.projectId, role.permissions, `assign the role ${role.name}`);
    // Re-assigning replaces the expiry: giving the last lasting owner an end date would leave the
    // project without an owner once it passes.
    if (role.id === BuiltInRole.OWNER && input.expiresAt) await this.assertAnotherOwner(input.projectId, input.userId);
    const record = await this.assignments
      .findOneAndUpdate(
        { projectId: toObjectId(input.projectId), userId: toObjectId(input.userId), roleId: role.id },
        { $set: { expiresAt: input.expiresAt ?? null, grantedBy: ctx.actorId ?? null } },
        { upsert: true, returnDocument: 'after', setDefaultsOnInsert: true },
      )
      .lean<RoleAssignmentRecord>()
      .exec();
    await this.permissions.invalidate(input.projectId);
    await this.events.publish(
      new RoleAssignedEvent(
        input.projectId,
        ctx.actorId,
        input.userId,
        role.id,
        input.expiresAt?.toISOString() ?? null,
      ),
    );
    return RoleAssignment.from(record, role);
  }

  /** Grants a user the Owner role of a project they just created. */
  async assignOwner(ctx: RequestContext, projectId: string): Promise<void> {
    const user = ctx.requireUser();
    await this.assignments.create({
      projectId: toObjectId(projectId),
      userId: toObjectId(user.id),
      roleId: BuiltInRole.OWNER,
      grantedBy: user.id,
    });
    await this.permissions.invalidate(projectId);
    await this.events.publish(new RoleAssignedEvent(projectId, user.id, user.id, BuiltInRole.OWNER, null));
  }

  /** Whether the user holds any role in the project now: whether they are a member. */
  async isMember(projectId: string, userId: string): Promise<boolean> {
    const found = await this.assignments
      .exists({ projectId: toObjectId(projectId), userId: toObjectId(userId), ...activeAt(new Date()) })
      .exec();
    return found !== null;
  }

  /**
   * Gives a user the role an invitation offered, on their accepting it. The inviter is recorded as
   * `grantedBy`; the caller has checked that they could hand out the role, when inviting and since.
   */
  async assignInvited(projectId: string, userId: string, roleId: string, invitedBy: string): Promise<void> {
    await this.assignments
      .findOneAndUpdate(
        { projectId: toObjectId(projectId), userId: toObjectId(userId), roleId },
        { $set: { expiresAt: null, grantedBy: invitedBy } },
        { upsert: true, setDefaultsOnInsert: true },
      )
      .exec();
    await this.permissions.invalidate(projectId);
    await this.events.publish(new RoleAssignedEvent(projectId, userId, userId, roleId, null));
  }

  async remove(ctx: RequestContext, input: RemoveRoleInput): Promise<boolean> {
    const role = await this.roles.get(input.projectId, input.roleId);
    await this.access.assertHoldsAll(ctx, input.projectId, role.permissions, `remove the role ${role.name}`);
    const filter = { projectId: toObjectId(input.projectId), userId: toObjectId(input.userId), roleId: role.id };
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
      throw lastOwner();
    }
    await this.permissions.invalidate(input.projectId);
    await this.events.publish(new RoleRemovedEvent(input.projectId, ctx.actorId, input.userId, role.id, 'removed'));
    return true;
  }

  async list(args: UserRolesArgs): Promise<Connection<RoleAssignment>> {
    const filter = {
      projectId: toObjectId(args.projectId),
      ...(args.userId ? { userId: toObjectId(args.userId) } : {}),
      ...activeAt(new Date()),
    };
    const page = await paginate(this.assignments, filter, args, (record) => record);
    const roles = await this.roles.getMany(
      args.projectId,
      page.edges.map((e) => e.node.roleId),
    );
    return {
      ...page,
      edges: page.edges.map((edge) => ({
        cursor: edge.cursor,
        node: RoleAssignment.from(edge.node, roles.get(edge.node.roleId) ?? Role.deleted(edge.node.roleId)),
      })),
    };
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
        projectId: toObjectId(projectId),
        roleId: BuiltInRole.OWNER,
        userId: { $ne: toObjectId(leavingUserId) },
        expiresAt: null,
      })
      .exec();
    if (others === 0) throw lastOwner();
  }
}

function lastOwner(): AccessException {
  return new AccessException(
    AccessExceptionReason.LAST_OWNER,
    'A project must keep at least one owner whose access does not expire',
  );
}
