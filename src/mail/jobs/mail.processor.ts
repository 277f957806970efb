import { OnQueueFailed, Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { MailSender } from '../mail-sender';
import { MAIL_QUEUE, MailJob, type MailJobPayloads } from './mail-jobs';

@Processor(MAIL_QUEUE)
export class MailProcessor {
  private readonly logger = new Logger(MailProcessor.name);

  constructor(private readonly sender: MailSender) {}

  @Process(MailJob.SEND)
  async send(job: Job<MailJobPayloads[MailJob.SEND]>): Promise<void> {
    await this.sender.deliver(job.data, String(job.id));
  }

  /** Each failed attempt is a warning; after the last one the message is lost, and that is an error. */
  @OnQueueFailed()
  failed(job: Job<MailJobPayloads[MailJob.SEND]>, error: Error): void {
    const attempts = job.opts.attempts ?? 1;
    const what = `mail ${job.id} to ${job.data.to}`;
    if (job.attemptsMade >= attempts) {
      this.logger.error(`Gave up on ${what} after ${job.attemptsMade} attempts; it is lost: ${error.message}`);
    } else {
      this.logger.warn(`Attempt ${job.attemptsMade} of ${attempts} to send ${what} failed; retrying: ${error.message}`);
    }
  }
}
