import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Authenticated, Public, RequirePermission } from '../../access/access.decorators';
import { AuditSecretArgs } from '../../audit/audit-project.decorator';
import { Ctx } from '../../common/context/ctx.decorator';
import type { RequestContext } from '../../common/context/request-context';
import { ConnectionType } from '../../common/pagination/connection';
import { AcceptInvitationAsNewUserInput } from './dto/accept-invitation-as-new-user.input';
import { InvitationRefInput } from './dto/invitation-ref.input';
import { InvitationTokenInput } from './dto/invitation-token.input';
import { InviteMemberInput } from './dto/invite-member.input';
import { PendingInvitationsArgs } from './dto/pending-invitations.args';
import { InvitationsService } from './invitations.service';
import { Invitation } from './models/invitation.model';
import { NewMemberSession } from './models/new-member-session.model';

const InvitationConnection = ConnectionType(Invitation);
const BY_INPUT_INVITATION = { entity: 'invitation', idArg: 'input.id' } as const;

/**
 * Invitations to a project by email. The link token is an argument of the answering mutations
 * only, and the audit never records it.
 */
@Resolver(() => Invitation)
export class InvitationsResolver {
  constructor(private readonly service: InvitationsService) {}

  @Mutation(() => Invitation, {
    description:
      'Emails an invitation to hold a role in the project, with a single-use link. The role may hold nothing the inviter lacks.',
  })
  @RequirePermission('member:invite', { projectIdArg: 'input.projectId' })
  inviteMember(@Ctx() ctx: RequestContext, @Args('input') input: InviteMemberInput): Promise<Invitation> {
    return this.service.invite(ctx, input);
  }

  @Query(() => InvitationConnection, { description: "A project's invitations still pending, newest first." })
  @RequirePermission('member:read')
  pendingInvitations(@Args() args: PendingInvitationsArgs): Promise<InstanceType<typeof InvitationConnection>> {
    return this.service.pending(args);
  }

  @Mutation(() => Invitation, {
    description:
      'Sends a pending or expired invitation again with a new link and a new expiry; the link sent before stops working.',
  })
  @RequirePermission('member:invite', BY_INPUT_INVITATION)
  resendInvitation(@Ctx() ctx: RequestContext, @Args('input') input: InvitationRefInput): Promise<Invitation> {
    return this.service.resend(ctx, input.id);
  }

  @Mutation(() => Invitation, { description: 'Withdraws a pending invitation: its link stops working.' })
  @RequirePermission('member:invite', BY_INPUT_INVITATION)
  revokeInvitation(@Ctx() ctx: RequestContext, @Args('input') input: InvitationRefInput): Promise<Invitation> {
    return this.service.revoke(ctx, input.id);
  }

  @Mutation(() => Invitation, {
    description: "Accepts an invitation for the signed-in user, whose email must be the invitation's.",
  })
  @Authenticated()
  @AuditSecretArgs('input.token')
  acceptInvitation(@Ctx() ctx: RequestContext, @Args('input') input: InvitationTokenInput): Promise<Invitation> {
    return this.service.accept(ctx, input.token);
  }

  @Mutation(() => NewMemberSession, {
    description:
      "Makes an account for the invitation's email (with this name and password), accepts the invitation, and signs the new user in.",
  })
  @Public()
  @AuditSecretArgs('input.token', 'input.password')
  acceptInvitationAsNewUser(
    @Ctx() ctx: RequestContext,
    @Args('input') input: AcceptInvitationAsNewUserInput,
  ): Promise<NewMemberSession> {
    return this.service.acceptAsNewUser(ctx, input);
  }

  @Mutation(() => Invitation, { description: 'Declines an invitation; whoever holds the link may.' })
  @Public()
  @AuditSecretArgs('input.token')
  declineInvitation(@Args('input') input: InvitationTokenInput): Promise<Invitation> {
    return this.service.decline(input.token);
  }
}
