import { Injectable } from '@nestjs/common';
import { AccessService } from '../../access/access.service';
import { Role } from '../../access/models/role.model';
import { PermissionGrantsService } from '../../access/permission-grants.service';
import { BuiltInRole } from '../../access/permissions';
import { RoleAssignmentsService, type MemberRoles } from '../../access/role-assignments.service';
import { RolesService } from '../../access/roles.service';
import { UsersService } from '../../auth/users.service';
import type { RequestContext } from '../../common/context/request-context';
import { EventBus } from '../../common/events/event-bus';
import type { Connection } from '../../common/pagination/connection';
import type { PageArgs } from '../../common/pagination/page.args';
import { ActivityService } from '../activity/activity.service';
import { MemberRemovedEvent, type MemberRemovalReason } from '../events/member-removed.event';
import { MemberRoleChangedEvent } from '../events/member-role-changed.event';
import type { RemoveMemberInput } from './dto/remove-member.input';
import type { TransferOwnershipInput } from './dto/transfer-ownership.input';
import type { UpdateMemberRoleInput } from './dto/update-member-role.input';
import { MemberException, MemberExceptionReason } from './member.exception';
import { Member, MemberUser } from './models/member.model';
import { RemovedMember } from './models/removed-member.model';

/**
 * A project's members: users holding at least one role there. Roles live in `access/`
 * (`RoleAssignmentsService` keeps the rule that a project keeps a lasting owner); this service
 * lists members and changes them as a whole, announcing `member.*` events. Nobody gives or takes
 * a role holding permissions they do not hold themself.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly assignments: RoleAssignmentsService,
    private readonly grants: PermissionGrantsService,
    private readonly roles: RolesService,
    private readonly access: AccessService,
    private readonly users: UsersService,
    private readonly activity: ActivityService,
    private readonly events: EventBus,
  ) {}

  async list(projectId: string, page: PageArgs): Promise<Connection<Member>> {
    const members = await this.assignments.members(projectId, page);
    const nodes = await this.describe(
      projectId,
      members.edges.map((edge) => edge.node),
    );
    return { ...members, edges: members.edges.map((edge, i) => ({ cursor: edge.cursor, node: nodes[i]! })) };
  }

  /** Replaces the member's roles by one. */
  async updateRole(ctx: RequestContext, input: UpdateMemberRoleInput): Promise<Member> {
    const { projectId, userId } = input;
    const member = await this.requireMember(projectId, userId);
    const role = await this.roles.get(projectId, input.roleId);
    await this.access.assertHoldsAll(ctx, projectId, role.permissions, `give the role ${role.name}`);
    await this.assertMayTake(
      ctx,
      projectId,
      member.roleIds.filter((id) => id !== role.id),
    );
    const previous = await this.assignments.replaceRoles(ctx, projectId, userId, role.id);
    await this.announceRoleChange(ctx, projectId, userId, role.id, previous);
    return this.member(projectId, userId);
  }

  async remove(ctx: RequestContext, input: RemoveMemberInput): Promise<RemovedMember> {
    const member = await this.requireMember(input.projectId, input.userId);
    await this.assertMayTake(ctx, input.projectId, member.roleIds);
    return this.removeAll(ctx, input.projectId, input.userId, 'removed');
  }

  /** The caller stops being a member; the last lasting owner cannot. */
  async leave(ctx: RequestContext, projectId: string): Promise<RemovedMember> {
    const user = ctx.requireUser();
    await this.requireMember(projectId, user.id);
    return this.removeAll(ctx, projectId, user.id, 'left');
  }

  /**
   * A lasting owner hands the project to another member: the member becomes its owner first,
   * then the caller an admin, so the project always has a lasting owner.
   */
  async transferOwnership(ctx: RequestContext, input: TransferOwnershipInput): Promise<Member> {
    if (ctx.token) {
      throw new MemberException(
        MemberExceptionReason.USER_SIGN_IN_REQUIRED,
        'Handing a project over takes a user’s sign-in, not an API token',
      );
    }
    const caller = ctx.requireUser();
    const { projectId, userId } = input;
    if (userId === caller.id) {
      throw new MemberException(MemberExceptionReason.TRANSFER_TO_SELF, 'You already own this project');
    }
    if (!(await this.assignments.isPermanentOwner(projectId, caller.id))) {
      throw new MemberException(
        MemberExceptionReason.NOT_PERMANENT_OWNER,
        'Only an owner whose access does not expire can hand the project over',
      );
    }
    await this.requireMember(projectId, userId);
    const targetBefore = await this.assignments.replaceRoles(ctx, projectId, userId, BuiltInRole.OWNER);
    await this.announceRoleChange(ctx, projectId, userId, BuiltInRole.OWNER, targetBefore);
    const callerBefore = await this.assignments.replaceRoles(ctx, projectId, caller.id, BuiltInRole.ADMIN);
    await this.announceRoleChange(ctx, projectId, caller.id, BuiltInRole.ADMIN, callerBefore);
    return this.member(projectId, userId);
  }

  private async removeAll(
    ctx: RequestContext,
    projectId: string,
    userId: string,
    reason: MemberRemovalReason,
  ): Promise<RemovedMember> {
    const roleIds = await this.assignments.removeAllOf(ctx, projectId, userId);
    // A member's direct grants go too: nothing of their access to the project is left.
    await this.grants.revokeAllOf(projectId, userId);
    const user = await this.users.findById(userId);
    await this.events.publish(
      new MemberRemovedEvent(projectId, ctx.actorId, userId, user?.email ?? null, roleIds, reason),
    );
    return Object.assign(new RemovedMember(), { projectId, userId, roleIds });
  }

  private async announceRoleChange(
    ctx: RequestContext,
    projectId: string,
    userId: string,
    roleId: string,
    previous: string[],
  ): Promise<void> {
    const user = await this.users.findById(userId);
    await this.events.publish(
      new MemberRoleChangedEvent(projectId, ctx.actorId, userId, user?.email ?? null, roleId, previous),
    );
  }

  /** Nobody takes a role away whose permissions they do not hold (an admin cannot remove an owner). */
  private async assertMayTake(ctx: RequestContext, projectId: string, roleIds: string[]): Promise<void> {
    const roles = await this.roles.getMany(projectId, roleIds);
    for (const role of roles.values()) {
      await this.access.assertHoldsAll(ctx, projectId, role.permissions, `take the role ${role.name}`);
    }
  }

  private async requireMember(projectId: string, userId: string): Promise<MemberRoles> {
    const member = await this.assignments.memberRoles(projectId, userId);
    if (!member)
      throw new MemberException(MemberExceptionReason.MEMBER_NOT_FOUND, 'The user is not a member of this project');
    return member;
  }

  private async member(projectId: string, userId: string): Promise<Member> {
    const [member] = await this.describe(projectId, [await this.requireMember(projectId, userId)]);
    return member!;
  }

  private async describe(projectId: string, members: MemberRoles[]): Promise<Member[]> {
    const userIds = members.map((m) => m.userId);
    const [users, roles, lastActive] = await Promise.all([
      this.users.findMany(userIds),
      this.roles.getMany(
        projectId,
        members.flatMap((m) => m.roleIds),
      ),
      this.activity.lastActiveOf(projectId, userIds),
    ]);
    return members.map((m) => {
      const user = users.get(m.userId);
      return Object.assign(new Member(), {
        projectId,
        user: Object.assign(new MemberUser(), { id: m.userId, email: user?.email ?? '', name: user?.name ?? '' }),
        roles: m.roleIds.map((id) => roles.get(id) ?? Role.deleted(id)),
        joinedAt: m.joinedAt,
        invitedBy: m.grantedBy,
        lastActiveAt: lastActive.get(m.userId) ?? null,
      });
    });
  }
}
