import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, QueryFilter, Types } from 'mongoose';
import { UsersService } from '../auth/users.service';
import type { RequestContext } from '../common/context/request-context';
import { EventBus } from '../common/events/event-bus';
import { activeAt } from '../common/mongo/expiry';
import { toObjectId } from '../common/mongo/object-id';
import { TOTAL_COUNT_LIMIT, type Connection } from '../common/pagination/connection';
import type { PageArgs } from '../common/pagination/page.args';
import { decodeCursor, encodeCursor, paginate } from '../common/pagination/paginate';
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

/** A user's active roles in a project, as the members list shows them. */
export interface MemberRoles {
  userId: string;
  roleIds: string[];
  /** When the user's earliest role still held was given. */
  joinedAt: Date;
  /** Who gave that role (a user id or `token:<id>`). */
  grantedBy: string | null;
}

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
   * The project's members (users holding an active role), a page at a time, ordered by user id,
   * newest accounts first; the cursor is the user's.
   */
  async members(projectId: string, args: PageArgs): Promise<Connection<MemberRoles>> {
    const scope = { projectId: toObjectId(projectId), ...activeAt(new Date()) };
    const match = args.after ? { ...scope, userId: { $lt: decodeCursor(args.after) } } : scope;
    const rows = await this.assignments
      .aggregate<{ _id: Types.ObjectId; roleIds: string[]; joinedAt: Date; grantedBy: string | null }>([
        { $match: match },
        { $sort: { createdAt: 1 } },
        {
          $group: {
            _id: '$userId',
            roleIds: { $push: '$roleId' },
            joinedAt: { $min: '$createdAt' },
            grantedBy: { $first: '$grantedBy' },
          },
        },
        { $sort: { _id: -1 } },
        { $limit: args.first + 1 },
      ])
      .exec();
    const edges = rows.slice(0, args.first).map((row) => ({
      cursor: encodeCursor(row._id),
      node: { userId: row._id.toHexString(), roleIds: row.roleIds, joinedAt: row.joinedAt, grantedBy: row.grantedBy },
    }));
    let counted: Promise<number> | undefined;
    const distinctUsers = () => this.assignments.distinct('userId', scope).exec();
    return {
      edges,
      get totalCount() {
        return (counted ??= distinctUsers().then((ids) => Math.min(ids.length, TOTAL_COUNT_LIMIT)));
      },
      pageInfo: {
        hasNextPage: rows.length > args.first,
        hasPreviousPage: args.after !== undefined,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
    };
  }

  /** The user's active roles in the project; null when the user is not a member. */
  async memberRoles(projectId: string, userId: string): Promise<MemberRoles | null> {
    const rows = await this.assignments
      .find({ projectId: toObjectId(projectId), userId: toObjectId(userId), ...activeAt(new Date()) })
      .sort({ createdAt: 1 })
      .lean<RoleAssignmentRecord[]>()
      .exec();
    if (rows.length === 0) return null;
    return { userId, roleIds: rows.map((r) => r.roleId), joinedAt: rows[0]!.createdAt, grantedBy: rows[0]!.grantedBy };
  }

  /** Whether the user holds the Owner role in the project with no end. */
  async isPermanentOwner(projectId: string, userId: string): Promise<boolean> {
    const filter = { projectId: toObjectId(projectId), userId: toObjectId(userId), roleId: BuiltInRole.OWNER };
    return (await this.assignments.exists({ ...filter, expiresAt: null }).exec()) !== null;
  }

  /**
   * Leaves the user holding `roleId` alone, with no end: the role is given first and the others
   * taken after, so an owner handing over never leaves the project without one. Every other role
   * of the user goes, one given meanwhile too. The role keeps when the member joined and who
   * brought them in (the earliest role still held), as the members list shows them. The caller's
   * right to give and take the roles is checked by whoever calls. Returns the roles held before.
   */
  async replaceRoles(ctx: RequestContext, projectId: string, userId: string, roleId: string): Promise<string[]> {
    const filter = { projectId: toObjectId(projectId), userId: toObjectId(userId) };
    const existing = await this.assignments.find(filter).lean<RoleAssignmentRecord[]>().exec();
    const now = new Date();
    const held = existing.filter((a) => !a.expiresAt || a.expiresAt > now);
    const before = held.map((a) => a.roleId);
    const losesOwner = existing.some((a) => a.roleId !== roleId && isLastingOwner(a));
    if (losesOwner) await this.assertAnotherOwner(projectId, userId);
    const kept = existing.find((a) => a.roleId === roleId);
    const first = [...held].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())[0];
    await this.assignments
      .updateOne(
        { ...filter, roleId },
        {
          $set: {
            expiresAt: null,
            grantedBy: first ? first.grantedBy : (ctx.actorId ?? null),
            ...(first ? { createdAt: first.createdAt } : {}),
          },
        },
        { upsert: true, setDefaultsOnInsert: true, overwriteImmutable: true },
      )
      .exec();
    const others = await this.deleteEvery({ ...filter, roleId: { $ne: roleId } });
    if (others.some(isLastingOwner) && (await this.permanentOwners(filter.projectId)) === 0) {
      // Two owners demoting each other at once: the loser is put back as it was.
      await this.assignments.insertMany(others);
      if (kept) await this.assignments.replaceOne({ _id: kept._id }, kept).exec();
      else await this.assignments.deleteOne({ ...filter, roleId }).exec();
      await this.permissions.invalidate(projectId);
      throw lastOwner();
    }
    await this.permissions.invalidate(projectId);
    if (!kept || kept.expiresAt !== null) {
      await this.events.publish(new RoleAssignedEvent(projectId, ctx.actorId, userId, roleId, null));
    }
    for (const removed of others) {
      await this.events.publish(new RoleRemovedEvent(projectId, ctx.actorId, userId, removed.roleId, 'removed'));
    }
    return before;
  }

  /**
   * Takes every role of the user in the project (ended ones too, and one given meanwhile), unless
   * that would leave the project without a lasting owner. Returns the roles that were held.
   */
  async removeAllOf(ctx: RequestContext, projectId: string, userId: string): Promise<string[]> {
    const filter = { projectId: toObjectId(projectId), userId: toObjectId(userId) };
    const existing = await this.assignments.find(filter).lean<RoleAssignmentRecord[]>().exec();
    if (existing.some(isLastingOwner)) await this.assertAnotherOwner(projectId, userId);
    const removed = await this.deleteEvery(filter);
    if (removed.some(isLastingOwner) && (await this.permanentOwners(filter.projectId)) === 0) {
      // Two owners removing each other at once: the loser is put back, and nothing cached while
      // its rows were gone outlives the rollback.
      await this.assignments.insertMany(removed);
      await this.permissions.invalidate(projectId);
      throw lastOwner();
    }
    await this.permissions.invalidate(projectId);
    for (const role of removed) {
      await this.events.publish(new RoleRemovedEvent(projectId, ctx.actorId, userId, role.roleId, 'removed'));
    }
    return removed.map((a) => a.roleId);
  }

  /**
   * Deletes every assignment matching `filter` until none is left, so one made while this runs
   * (an `assignRole` landing between a read and a delete) goes too. Rows go one at a time, so each
   * one deleted is known: to announce it, or to put it back.
   */
  private async deleteEvery(filter: QueryFilter<RoleAssignmentRecord>): Promise<RoleAssignmentRecord[]> {
    const deleted: RoleAssignmentRecord[] = [];
    for (;;) {
      const row = await this.assignments.findOneAndDelete(filter).lean<RoleAssignmentRecord>().exec();
      if (!row) return deleted;
      deleted.push(row);
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
        projectId: toObjectId(projectId),
        roleId: BuiltInRole.OWNER,
        userId: { $ne: toObjectId(leavingUserId) },
        expiresAt: null,
      })
      .exec();
    if (others === 0) throw lastOwner();
  }
}

/** An Owner role with no end: what keeps a project owned. */
function isLastingOwner(assignment: RoleAssignmentRecord): boolean {
  return assignment.roleId === BuiltInRole.OWNER && assignment.expiresAt === null;
}

function lastOwner(): AccessException {
  return new AccessException(
    AccessExceptionReason.LAST_OWNER,
    'A project must keep at least one owner whose access does not expire',
  );
}
