import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { InvitationsService } from '../invitations.service';
import { INVITATIONS_QUEUE, InvitationJob, type InvitationJobPayloads } from './invitation-jobs';

@Processor(INVITATIONS_QUEUE)
export class InvitationExpiryProcessor {
  private readonly logger = new Logger(InvitationExpiryProcessor.name);

  constructor(private readonly invitations: InvitationsService) {}

  /** Idempotent: an invitation is marked (and announced) by whichever run finds it pending first. */
  @Process(InvitationJob.EXPIRE)
  async expire(job: Job<InvitationJobPayloads[InvitationJob.EXPIRE]>): Promise<{ expired: number }> {
    const expired = await this.invitations.expireDue();
    if (expired > 0) this.logger.debug(`Marked ${expired} invitations expired (job ${job.id})`);
    return { expired };
  }
}
