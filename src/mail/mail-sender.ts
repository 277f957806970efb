import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTransport } from 'nodemailer';
import { AppConfig } from '../config/app-config';
import type { MailMessage } from './jobs/mail-jobs';

type Transporter = ReturnType<typeof createTransport>;

/**
 * Hands messages to the SMTP server of SMTP_URL, one connection per message, every wait bounded
 * by MAIL_SMTP_TIMEOUT_MS. Without SMTP_URL, each message becomes an .eml file in
 * MAIL_OUTBOX_DIR and one log line names its recipient, subject and file: never dropped, and its
 * body (which may hold a link's token) never in the log. Used by workers only.
 */
@Injectable()
export class MailSender implements OnModuleDestroy {
  private readonly logger = new Logger(MailSender.name);
  private readonly transport: Transporter;
  private readonly toOutbox: boolean;

  constructor(private readonly config: AppConfig) {
    this.toOutbox = !config.SMTP_URL;
    if (this.toOutbox && config.isProduction) {
      this.logger.warn(`SMTP_URL is not set: mail is written to ${config.mailOutboxDir} and not delivered`);
    }
    const timeout = config.MAIL_SMTP_TIMEOUT_MS;
    this.transport = config.SMTP_URL
      ? createTransport({
          url: config.SMTP_URL,
          connectionTimeout: timeout,
          greetingTimeout: timeout,
          socketTimeout: timeout,
          dnsTimeout: timeout,
        })
      : createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  /** Sends one message; throws when the server refused it or could not be reached. */
  async deliver(message: MailMessage, id: string): Promise<void> {
    const info: unknown = await this.transport.sendMail({
      from: this.config.MAIL_FROM,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
    if (this.toOutbox) await this.writeToOutbox(info as { message: Buffer }, message, id);
  }

  private async writeToOutbox(info: { message: Buffer }, message: MailMessage, id: string): Promise<void> {
    const dir = this.config.mailOutboxDir;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${id}.eml`);
    // Only this process's user may read it: the body may hold a link's token.
    await writeFile(file, info.message, { mode: 0o600 });
    this.logger.log(`SMTP_URL is not set: mail to ${message.to} ("${message.subject}") written to ${file}`);
  }

  onModuleDestroy(): void {
    this.transport.close();
  }
}
