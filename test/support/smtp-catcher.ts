import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { waitFor } from './graphql-client';

/** The token of an invitation link (`…?token=slwi_…`) in a received message. */
export const INVITATION_TOKEN_IN_LINK = /token=(slwi_[A-Za-z0-9_-]{43})/;

/** A message the catcher received: its envelope and the parsed message. */
export interface CaughtMail {
  envelopeTo: string[];
  mail: ParsedMail;
}

/**
 * A real SMTP server on loopback (smtp-server, authentication required) that keeps every message
 * it receives, parsed by mailparser. It can be stopped and started again on the same port, to
 * play an SMTP server that is down for a while.
 */
export class SmtpCatcher {
  readonly received: CaughtMail[] = [];
  private server: SMTPServer | undefined;
  private port = 0;
  readonly user = 'slipway';
  readonly password = 'smtp-test-password';

  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: false,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (auth.username === this.user && auth.password === this.password) callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onData: (stream, session, callback) => {
        simpleParser(stream).then(
          (mail) => {
            this.received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    server.on('error', () => undefined);
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** The URL the API sends through; stays the same across a stop and a start. */
  get url(): string {
    return `smtp://${this.user}:${this.password}@127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The first message to `to` matching `test`, waiting for it to arrive. */
  async waitForMail(
    to: string,
    test: (mail: ParsedMail) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<ParsedMail> {
    return waitFor(
      async () => this.received.find((m) => m.envelopeTo.includes(to) && test(m.mail))?.mail,
      timeoutMs,
      `mail to ${to}`,
    );
  }

  messagesTo(to: string): ParsedMail[] {
    return this.received.filter((m) => m.envelopeTo.includes(to)).map((m) => m.mail);
  }
}
