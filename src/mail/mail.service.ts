import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../config/app-config';
import { MAIL_QUEUE, MailJob, type MailMessage } from './jobs/mail-jobs';

export type { MailMessage } from './jobs/mail-jobs';

/**
 * Sending mail, for any feature. `send` only enqueues: a worker sends the message, retrying with
 * exponential backoff (MAIL_RETRY_ATTEMPTS, MAIL_RETRY_BASE_MS), so a slow or unreachable SMTP
 * server never fails or holds the request that caused the message, and loses nothing.
 */
@Injectable()
export class MailService {
  constructor(
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {}

  async send(message: MailMessage): Promise<{ id: string }> {
    const job = await this.queue.add(MailJob.SEND, message, {
      attempts: this.config.MAIL_RETRY_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.config.MAIL_RETRY_BASE_MS },
      // The payload holds the message body, which may carry a secret: nothing stays behind in Redis.
      removeOnComplete: true,
      removeOnFail: true,
    });
    return { id: String(job.id) };
  }
}
