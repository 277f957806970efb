import { BullModule, InjectQueue } from '@nestjs/bull';
import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../../../config/app-config';
import { scheduleEvery } from '../../../jobs/schedule';
import { InvitationsModule } from '../invitations.module';
import { InvitationExpiryProcessor } from './invitation-expiry.processor';
import { INVITATIONS_QUEUE, InvitationJob } from './invitation-jobs';

/** What a worker runs for invitations: the expiry sweep, every INVITATION_SWEEP_INTERVAL_MS. */
@Module({
  imports: [InvitationsModule, BullModule.registerQueue({ name: INVITATIONS_QUEUE })],
  providers: [InvitationExpiryProcessor],
})
export class InvitationJobsModule implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(INVITATIONS_QUEUE) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await scheduleEvery(
      this.queue,
      InvitationJob.EXPIRE,
      { requestedAt: new Date().toISOString() },
      this.config.INVITATION_SWEEP_INTERVAL_MS,
    );
  }
}
