import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
// The printer alone: the whole of graphql-js would add tens of milliseconds to every command's start.
import { print } from 'graphql/language/printer';
import { createClient, type Client as WsClient } from 'graphql-ws/client';
import WebSocket from 'ws';

/**
 * An error the client reports: a GraphQL error with the API's stable `extensions.code`
 * (`UNAUTHENTICATED`, `FORBIDDEN`, `BAD_USER_INPUT`, …), or `NETWORK_ERROR` when the API could not
 * be reached or answered something that is not GraphQL.
 */
export class SlipwayError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** The reason the API gives beside the code (`extensions.reason`), when it gives one. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'SlipwayError';
  }
}

export const NETWORK_ERROR = 'NETWORK_ERROR';

export interface ClientOptions {
  /** The GraphQL endpoint, e.g. `http://localhost:3000/graphql`. Subscriptions use the same path over ws(s). */
  url: string;
  /** The bearer credential (a user's access token or an API token), read before every request. */
  token?: () => string | undefined;
  /** Extra headers on every HTTP request. */
  headers?: Record<string, string>;
  /** Aborts an HTTP request that takes longer (default 60 s). */
  timeoutMs?: number;
  /** How often to ping the API over an idle WebSocket (default 10 s). */
  keepAliveMs?: number;
  /**
   * How long to wait for the API's pong before taking the connection for dead and closing it
   * (4408), so that its subscriptions reconnect (default 5 s).
   */
  pongTimeoutMs?: number;
}

export interface SubscriptionSink<TResult> {
  next(data: TResult): void;
  /** A final error: the subscription ends. */
  error(error: SlipwayError): void;
  /** The server ended the subscription. */
  complete(): void;
  /** The connection dropped; the subscription is being set up again in `delayMs`. */
  reconnecting?(attempt: number, delayMs: number, cause: SlipwayError): void;
}

export interface SubscribeOptions {
  /** How many reconnections in a row to try before giving up (default: unlimited). */
  maxAttempts?: number;
  /** The longest pause between two attempts (default 5 s); pauses double from 250 ms. */
  maxDelayMs?: number;
}

/** The pause before reconnection `attempt` (from 1): doubling from 250 ms, at most `maxMs`. */
export function backoffMs(attempt: number, maxMs = 5_000): number {
  return Math.min(maxMs, 250 * 2 ** Math.min(attempt - 1, 10));
}

interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: unknown; reason?: unknown };
}

/** The first error of a GraphQL response, as a SlipwayError. */
function fromGraphQLErrors(errors: readonly GraphQLErrorShape[]): SlipwayError {
  const first = errors[0];
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
  const reason = typeof first?.extensions?.reason === 'string' ? first.extensions.reason : undefined;
  return new SlipwayError(first?.message ?? 'The API answered with an error', code, reason);
}

/** A close of the WebSocket or an error of the socket itself: the connection, not the operation, failed. */
function isConnectionFailure(error: unknown): boolean {
  if (Array.isArray(error)) return false;
  if (error instanceof Error) return true;
  // graphql-ws reports a closed socket with its close event: a code the protocol defines as
  // final (4400 bad request, 4401 unauthorised, 4403 forbidden, …) is not retried.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'number') return true;
  return !(code >= 4400 && code < 4500 && code !== 4408 && code !== 4499);
}

function describeConnectionFailure(error: unknown): SlipwayError {
  if (Array.isArray(error)) return fromGraphQLErrors(error as GraphQLErrorShape[]);
  if (error instanceof Error) return new SlipwayError(`Cannot reach the API: ${error.message}`, NETWORK_ERROR);
  const { code, reason } = (error ?? {}) as { code?: unknown; reason?: unknown };
  const why = typeof reason === 'string' && reason !== '' ? `: ${reason}` : '';
  if (code === 4401 || code === 4403)
    return new SlipwayError(`The API refused the connection${why}`, code === 4401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
  return new SlipwayError(`The connection to the API closed (${String(code ?? 'no code')})${why}`, NETWORK_ERROR);
}

/**
 * The typed client: HTTP for queries and mutations, graphql-ws for subscriptions. Every document
 * is a `TypedDocumentNode` from `./generated/graphql`, so results and variables are checked by
 * the compiler.
 */
export class SlipwayClient {
  private ws: WsClient | undefined;
  /** The current attempt of each subscription, told when the socket closes. */
  private readonly closedListeners = new Set<(event: unknown) => void>();
  /** How to stop each active subscription. */
  private readonly subscriptions = new Set<() => void>();

  constructor(private readonly options: ClientOptions) {}

  get url(): string {
    return this.options.url;
  }

  /** Runs a query or mutation; resolves with its data or rejects with a SlipwayError. */
  async request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: TVariables,
  ): Promise<TResult> {
    const token = this.options.token?.();
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...this.options.headers,
        },
        body: JSON.stringify({ query: print(document), variables }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
      // Inside the try: the body can fail too (the connection dropped or timed out half-way).
      text = await response.text();
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new SlipwayError(`Cannot reach the API at ${this.options.url}: ${cause}`, NETWORK_ERROR);
    }
    let body: { data?: TResult | null; errors?: GraphQLErrorShape[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new SlipwayError(
        `The API at ${this.options.url} answered HTTP ${response.status} with something that is not GraphQL`,
        NETWORK_ERROR,
      );
    }
    if (body.errors && body.errors.length > 0) throw fromGraphQLErrors(body.errors);
    if (body.data === undefined || body.data === null)
      throw new SlipwayError(`The API answered HTTP ${response.status} without data`, NETWORK_ERROR);
    return body.data;
  }

  /**
   * Subscribes, and subscribes again when the connection drops, with `variables()` read afresh
   * each time (so a follower can resume after what it has seen). A GraphQL error or a refusal
   * ends the subscription through `sink.error`. Returns a function that unsubscribes.
   */
  subscribe<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: () => TVariables,
    sink: SubscriptionSink<TResult>,
    options: SubscribeOptions = {},
  ): () => void {
    const query = print(document);
    const maxDelay = options.maxDelayMs ?? 5_000;
    let stopped = false;
    let attempt = 0;
    let timer: NodeJS.Timeout | undefined;
    let dispose: (() => void) | undefined;
    let stopAttempt: (() => void) | undefined;

    const start = (): void => {
      let delivered = false;
      let ended = false;
      // The attempt failed with its connection: once, whichever of graphql-ws's close event and
      // its error callback reports it first.
      const failed = (error: unknown): void => {
        if (stopped || ended) return;
        end();
        dispose?.();
        const failure = describeConnectionFailure(error);
        attempt += 1;
        if (!isConnectionFailure(error) || (options.maxAttempts !== undefined && attempt > options.maxAttempts)) {
          stop();
          sink.error(failure);
          return;
        }
        const delayMs = backoffMs(attempt, maxDelay);
        sink.reconnecting?.(attempt, delayMs, failure);
        timer = setTimeout(start, delayMs);
      };
      const end = (): void => {
        ended = true;
        this.closedListeners.delete(failed);
      };
      // graphql-ws subscribes again by itself, with the variables it was first given, after a
      // normal closure (1000) of the socket: every close ends this attempt here instead, so that
      // the next one reads the variables afresh.
      this.closedListeners.add(failed);
      dispose = this.wsClient().subscribe<TResult>(
        { query, variables: variables() as Record<string, unknown> },
        {
          next: (value) => {
            if (stopped || ended) return;
            if (value.errors && value.errors.length > 0) {
              stop();
              sink.error(fromGraphQLErrors(value.errors));
              return;
            }
            if (!delivered) {
              delivered = true;
              attempt = 0;
            }
            if (value.data) sink.next(value.data);
          },
          error: (error) => {
            if (stopped || ended) return;
            if (Array.isArray(error)) {
              stop();
              sink.error(fromGraphQLErrors(error as GraphQLErrorShape[]));
              return;
            }
            failed(error);
          },
          complete: () => {
            if (stopped || ended) return;
            stop();
            sink.complete();
          },
        },
      );
      stopAttempt = end;
    };
    const stop = (): void => {
      stopped = true;
      this.subscriptions.delete(stop);
      stopAttempt?.();
      if (timer) clearTimeout(timer);
      dispose?.();
    };
    this.subscriptions.add(stop);
    start();
    return stop;
  }

  /** Stops every subscription (without calling their sinks) and closes the WebSocket, if one is open. */
  async close(): Promise<void> {
    for (const stop of [...this.subscriptions]) stop();
    const ws = this.ws;
    this.ws = undefined;
    await ws?.dispose();
  }

  private wsClient(): WsClient {
    // A connection that silently died (a dropped NAT mapping, a suspended laptop) delivers
    // nothing and reports nothing: a ping unanswered in time closes it, so that it is retried.
    let socket: WebSocket | undefined;
    let pongTimer: NodeJS.Timeout | undefined;
    const pongTimeoutMs = this.options.pongTimeoutMs ?? 5_000;
    this.ws ??= createClient({
      url: this.options.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      // Reconnection is done per subscription above, with variables read afresh.
      retryAttempts: 0,
      lazy: true,
      keepAlive: this.options.keepAliveMs ?? 10_000,
      on: {
        connected: (connected) => {
          socket = connected as WebSocket;
        },
        ping: (received) => {
          if (received) return;
          clearTimeout(pongTimer);
          const pinged = socket;
          pongTimer = setTimeout(() => {
            if (pinged?.readyState !== WebSocket.OPEN) return;
            pinged.close(4408, 'No pong from the API in time');
            // A dead peer never completes the closing handshake either.
            setTimeout(() => pinged.terminate(), 1_000).unref();
          }, pongTimeoutMs);
        },
        pong: (received) => {
          if (received) clearTimeout(pongTimer);
        },
        closed: (event) => {
          clearTimeout(pongTimer);
          socket = undefined;
          for (const listener of [...this.closedListeners]) listener(event);
        },
      },
      connectionParams: () => {
        const token = this.options.token?.();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
    });
    return this.ws;
  }
}
