import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request a receiver got: what it said and what the receiver answered. */
export interface ReceivedHook {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  at: number;
}

/** How the receiver answers a request: a status and body, or no answer at all (`hang`). */
export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/**
 * A real HTTP server receiving webhooks on a loopback address, recording every request and
 * answering as the test says (`answer`), 204 by default. `close` and `start` again keep the port,
 * so an endpoint can be down for a while and come back.
 */
export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  answer: (path: string) => Answer = () => ({ status: 204 });
  port = 0;
  private server?: http.Server;
  private readonly hanging = new Set<http.ServerResponse>();

  constructor(readonly host = '127.0.0.7') {}

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const answer = this.answer(req.url ?? '/');
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[key] = value;
        this.received.push({
          path: req.url ?? '/',
          headers,
          body: Buffer.concat(chunks).toString('utf8'),
          status: answer === 'hang' ? 0 : answer.status,
          at: Date.now(),
        });
        if (answer === 'hang') {
          this.hanging.add(res);
          return;
        }
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  url(path = '/hook', host = this.host): string {
    return `http://${host}:${this.port}${path}`;
  }

  /** Requests to `path` so far. */
  at(path: string): ReceivedHook[] {
    return this.received.filter((hook) => hook.path === path);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
