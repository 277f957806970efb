/** The mail queue: one job per message, retried with exponential backoff. */
export const MAIL_QUEUE = 'mail';

export enum MailJob {
  /** Sends one message (`MailSender.deliver`). */
  SEND = 'mail.send',
}

/** A message as it is sent: its bodies may hold secrets (a link's token), so it is never logged. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Job payloads. The message is the job's only copy, so jobs are removed once they end. */
export interface MailJobPayloads {
  [MailJob.SEND]: MailMessage;
}
