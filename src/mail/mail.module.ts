import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { MAIL_QUEUE } from './jobs/mail-jobs';
import { MailService } from './mail.service';

/**
 * Mail for every feature (invitations, notifications): `MailService.send` enqueues, and workers
 * send (`MailJobsModule`). It knows no feature; templates live with the feature that sends them.
 */
@Module({
  imports: [BullModule.registerQueue({ name: MAIL_QUEUE })],
  providers: [MailService],
  exports: [MailService],
})
export class MailModule {}
