import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Received<T> {
  next(timeoutMs?: number): Promise<T>;
  error(timeoutMs?: number): Promise<unknown>;
  close(): void;
}

/**
 * A graphql-ws (`graphql-transport-ws`) client on the real WebSocket endpoint. `headers` go on its
 * upgrade requests, as a proxy in front of the API would add `X-Forwarded-For`.
 */
export function modernClient(
  wsUrl: string,
  token?: string,
  options: { lazy?: boolean; headers?: Record<string, string> } = {},
): Client {
  const { headers } = options;
  return createClient({
    url: wsUrl,
    webSocketImpl: headers
      ? class extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers });
          }
        }
      : WebSocket,
    // A lazy client reconnects for each operation; a non-lazy one keeps one socket open.
    lazy: options.lazy ?? true,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
}

/** Subscribes and queues what arrives, so a test can await the next item. */
export function subscribeModern<T>(client: Client, query: string, variables: Record<string, unknown>): Received<T> {
  const items: T[] = [];
  const errors: unknown[] = [];
  const waiters: (() => void)[] = [];
  const wake = (): void => waiters.splice(0).forEach((w) => w());
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(value.errors);
        else items.push(value.data as T);
        wake();
      },
      error: (error) => {
        errors.push(error);
        wake();
      },
      complete: () => wake(),
    },
  );
  const take = <V>(queue: V[], what: string, timeoutMs: number): Promise<V> =>
    new Promise((resolve, reject) => {
      let settled = false;
      const check = (): void => {
        if (settled) return;
        if (queue.length > 0) {
          settled = true;
          clearTimeout(timer);
          resolve(queue.shift()!);
        } else {
          waiters.push(check);
        }
      };
      // A timed-out waiter must not stay queued, or it would swallow the next item.
      const timer = setTimeout(() => {
        settled = true;
        reject(new Error(`No ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      check();
    });
  return {
    next: (timeoutMs = 5_000) => take(items, 'subscription event', timeoutMs),
    error: (timeoutMs = 5_000) => take(errors, 'subscription error', timeoutMs),
    close: dispose,
  };
}

export interface WsMessage {
  type: string;
  id?: string;
  payload?: any;
}

/**
 * A client that sends and awaits the raw messages of a GraphQL WebSocket subprotocol, so a test
 * can see exactly what the server answers, and whether it closes the socket.
 */
export class RawWsClient {
  private readonly messages: WsMessage[] = [];
  private readonly waiters: (() => void)[] = [];
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  /** The close code once the socket has closed. */
  closeCode?: number;

  constructor(wsUrl: string, protocol: 'graphql-ws' | 'graphql-transport-ws', headers?: Record<string, string>) {
    this.socket = new WebSocket(wsUrl, protocol, headers ? { headers } : {});
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('message', (raw) => {
      this.messages.push(JSON.parse(String(raw)) as WsMessage);
      this.waiters.splice(0).forEach((w) => w());
    });
    this.socket.on('close', (code) => {
      this.closeCode = code;
    });
  }

  send(message: WsMessage): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Resolves with the next message of one of `types`, skipping keep-alives. */
  async expect(types: string[], timeoutMs = 5_000): Promise<WsMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex((m) => types.includes(m.type));
      if (index >= 0) return this.messages.splice(index, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`No ${types.join('/')} message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * A client of the legacy subscriptions-transport-ws protocol (`graphql-ws` subprotocol), the one
 * GraphQL Playground speaks, written against the protocol's message types.
 */
export class LegacyClient extends RawWsClient {
  constructor(wsUrl: string, headers?: Record<string, string>) {
    super(wsUrl, 'graphql-ws', headers);
  }
}

/**
 * Subscriptions register asynchronously, so a test cannot know when its first event would be
 * seen: this repeats `trigger` until an item arrives (or `attempts` run out).
 */
export async function firstWhileTriggering<T>(
  received: Received<T>,
  trigger: (attempt: number) => Promise<unknown>,
  attempts = 20,
): Promise<T | undefined> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    await trigger(attempt);
    const item = await received.next(250).catch(() => undefined);
    if (item) return item;
  }
  return undefined;
}

/** Runs one query or mutation over a graphql-ws connection and resolves with its result. */
export function runOverWebSocket(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  return new Promise((resolve, reject) => {
    let result: { data?: any; errors?: any[] } | undefined;
    client.subscribe(
      { query, variables },
      {
        next: (value) => {
          result = value as typeof result;
        },
        error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
        complete: () => resolve(result ?? {}),
      },
    );
  });
}
