import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { MailSender } from '../mail-sender';
import { MAIL_QUEUE } from './mail-jobs';
import { MailProcessor } from './mail.processor';

/** What a worker runs for mail: sending each message, through SMTP or to the outbox. */
@Module({
  imports: [BullModule.registerQueue({ name: MAIL_QUEUE })],
  providers: [MailSender, MailProcessor],
})
export class MailJobsModule {}
