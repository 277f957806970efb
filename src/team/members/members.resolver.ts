import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Authenticated, RequirePermission } from '../../access/access.decorators';
import { Ctx } from '../../common/context/ctx.decorator';
import type { RequestContext } from '../../common/context/request-context';
import { ConnectionType } from '../../common/pagination/connection';
import { LeaveProjectInput } from './dto/leave-project.input';
import { RemoveMemberInput } from './dto/remove-member.input';
import { TeamMembersArgs } from './dto/team-members.args';
import { TransferOwnershipInput } from './dto/transfer-ownership.input';
import { UpdateMemberRoleInput } from './dto/update-member-role.input';
import { MembersService } from './members.service';
import { Member } from './models/member.model';
import { RemovedMember } from './models/removed-member.model';

const MemberConnection = ConnectionType(Member);

@Resolver()
export class MembersResolver {
  constructor(private readonly members: MembersService) {}

  @Query(() => MemberConnection, { description: 'The project’s members: users holding a role there now.' })
  @RequirePermission('member:read')
  teamMembers(@Args() args: TeamMembersArgs) {
    return this.members.list(args.projectId, args);
  }

  @Mutation(() => Member, { description: 'Replaces a member’s roles by one.' })
  @RequirePermission('member:update')
  updateMemberRole(@Ctx() ctx: RequestContext, @Args('input') input: UpdateMemberRoleInput): Promise<Member> {
    return this.members.updateRole(ctx, input);
  }

  @Mutation(() => RemovedMember, {
    description: 'Takes every role and direct grant of a member in the project; their access ends at once.',
  })
  @RequirePermission('member:delete')
  removeMember(@Ctx() ctx: RequestContext, @Args('input') input: RemoveMemberInput): Promise<RemovedMember> {
    return this.members.remove(ctx, input);
  }

  @Mutation(() => RemovedMember, { description: 'The caller stops being a member of the project.' })
  @Authenticated()
  leaveProject(@Ctx() ctx: RequestContext, @Args('input') input: LeaveProjectInput): Promise<RemovedMember> {
    return this.members.leave(ctx, input.projectId);
  }

  @Mutation(() => Member, {
    description: 'A lasting owner makes another member the owner and becomes an admin. Takes a user’s sign-in.',
  })
  @RequirePermission('project:delete')
  transferOwnership(@Ctx() ctx: RequestContext, @Args('input') input: TransferOwnershipInput): Promise<Member> {
    return this.members.transferOwnership(ctx, input);
  }
}
