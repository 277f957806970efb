import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { MemberRemovedEvent } from '../../events/member-removed.event';
import { InvitationsService } from '../invitations.service';

/**
 * A member removed (or leaving) loses the project's pending invitations of their email too, so an
 * old link cannot bring them back. This runs before the removal answers.
 */
@Injectable()
export class MemberRemovedListener {
  constructor(private readonly invitations: InvitationsService) {}

  @OnEvent(MemberRemovedEvent.eventName)
  async handle(event: MemberRemovedEvent): Promise<void> {
    if (event.projectId && event.email) {
      await this.invitations.revokePendingOf(event.projectId, event.email, event.actorId);
    }
  }
}
