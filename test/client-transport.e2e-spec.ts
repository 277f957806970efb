import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { buildSchema, GraphQLError, parse } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import {
  CreateApiTokenDocument,
  MeDocument,
  NETWORK_ERROR,
  ProjectDocument,
  SlipwayClient,
  SlipwayError,
  type SubscriptionSink,
} from '../client/src';
import { createProject, registerUser, type TestUser } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

/** Waits until `check` holds (polling), failing with `what` after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What a subscription delivered, in order. */
class Recorder<T> implements SubscriptionSink<T> {
  readonly values: T[] = [];
  readonly reconnects: { attempt: number; code: string }[] = [];
  error_: SlipwayError | undefined;
  completed = false;
  next(value: T): void {
    this.values.push(value);
  }
  error(error: SlipwayError): void {
    this.error_ = error;
  }
  complete(): void {
    this.completed = true;
  }
  reconnecting(attempt: number, _delayMs: number, cause: SlipwayError): void {
    this.reconnects.push({ attempt, code: cause.code });
  }
}

describe('the typed client', () => {
  describe('request, against the API', () => {
    let api: TestApp;
    let owner: TestUser;
    let stranger: TestUser;

    beforeAll(async () => {
      api = await startTestApp();
      owner = await registerUser(api.url);
      stranger = await registerUser(api.url);
    });

    afterAll(async () => {
      await api?.close();
    });

    it('returns the typed data', async () => {
      const client = new SlipwayClient({ url: api.url, token: () => owner.accessToken });
      const { me } = await client.request(MeDocument, {});
      expect(me).toEqual({ id: owner.id, email: owner.email, name: 'Test User' });
    });

    it("rejects with the API's code: UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT", async () => {
      const anonymous = new SlipwayClient({ url: api.url });
      await expect(anonymous.request(MeDocument, {})).rejects.toMatchObject({
        name: 'SlipwayError',
        code: 'UNAUTHENTICATED',
      });
      const project = await createProject(api.url, owner.accessToken);
      const outsider = new SlipwayClient({ url: api.url, token: () => stranger.accessToken });
      const forbidden = await outsider.request(ProjectDocument, { id: project.id }).catch((e: unknown) => e);
      expect(forbidden).toBeInstanceOf(SlipwayError);
      expect((forbidden as SlipwayError).code).toMatch(/^(FORBIDDEN|NOT_FOUND)$/);
      const client = new SlipwayClient({ url: api.url, token: () => owner.accessToken });
      const bad = await client
        .request(CreateApiTokenDocument, { input: { name: '', scopes: ['build:create'] } })
        .catch((e: unknown) => e);
      expect(bad).toMatchObject({ code: 'BAD_USER_INPUT' });
    });

    it('reads the token before every request', async () => {
      const auth: { token?: string } = {};
      const client = new SlipwayClient({ url: api.url, token: () => auth.token });
      await expect(client.request(MeDocument, {})).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      auth.token = owner.accessToken;
      await expect(client.request(MeDocument, {})).resolves.toMatchObject({ me: { id: owner.id } });
    });
  });

  describe('request, when the API cannot answer', () => {
    let server: Server | undefined;

    afterEach(async () => {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
      server = undefined;
    });

    const serve = async (handler: Parameters<typeof createServer>[1]): Promise<string> => {
      server = createServer(handler);
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    };

    it('says NETWORK_ERROR when nothing listens', async () => {
      const url = await serve(() => undefined);
      server!.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const error = await new SlipwayClient({ url }).request(MeDocument, {}).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: NETWORK_ERROR });
      expect((error as Error).message).toContain(url);
    });

    it('says NETWORK_ERROR when the answer is not GraphQL', async () => {
      const url = await serve((_req, res) =>
        res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'),
      );
      await expect(new SlipwayClient({ url }).request(MeDocument, {})).rejects.toMatchObject({
        code: NETWORK_ERROR,
        message: expect.stringContaining('HTTP 502'),
      });
    });

    it('says NETWORK_ERROR when the connection drops half-way through the answer', async () => {
      const url = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"data":{"me"', () => res.socket?.destroy());
      });
      await expect(new SlipwayClient({ url }).request(MeDocument, {})).rejects.toMatchObject({
        code: NETWORK_ERROR,
        message: expect.stringContaining(url),
      });
    });

    it('says NETWORK_ERROR when the API takes longer than the timeout', async () => {
      const url = await serve(() => undefined);
      await expect(new SlipwayClient({ url, timeoutMs: 300 }).request(MeDocument, {})).rejects.toMatchObject({
        code: NETWORK_ERROR,
      });
    });
  });

  describe('subscribe, against a server that stops answering', () => {
    let http: Server | undefined;

    afterEach(async () => {
      http?.closeAllConnections();
      await new Promise((resolve) => http?.close(resolve) ?? resolve(undefined));
      http = undefined;
    });

    it('takes a connection whose pings go unanswered for dead, and subscribes again', async () => {
      // The graphql-ws handshake by hand: the server acknowledges and serves, but never answers a ping.
      http = createServer();
      const wss = new WebSocketServer({ server: http, path: '/graphql' });
      let connections = 0;
      const pings: number[] = [];
      wss.on('connection', (socket) => {
        connections += 1;
        const connection = connections;
        socket.on('message', (raw: Buffer) => {
          const message = JSON.parse(raw.toString()) as { type: string; id?: string };
          if (message.type === 'connection_init') socket.send(JSON.stringify({ type: 'connection_ack' }));
          if (message.type === 'subscribe')
            socket.send(JSON.stringify({ id: message.id, type: 'next', payload: { data: { ticks: connection } } }));
          if (message.type === 'ping') pings.push(connection);
        });
      });
      await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
      const subscriber = new SlipwayClient({ url, keepAliveMs: 200, pongTimeoutMs: 300 });
      const recorder = new Recorder<{ ticks: number }>();
      const TICKS = parse('subscription { ticks(from: 1) }') as TypedDocumentNode<
        { ticks: number },
        Record<string, never>
      >;
      try {
        subscriber.subscribe(TICKS, () => ({}), recorder, { maxDelayMs: 50 });
        await until('a second connection after the first went silent', () => recorder.values.length >= 2);
        expect(recorder.values.slice(0, 2)).toEqual([{ ticks: 1 }, { ticks: 2 }]);
        expect(pings).toContain(1);
        expect(recorder.reconnects[0]).toMatchObject({ attempt: 1, code: NETWORK_ERROR });
        expect(recorder.error_).toBeUndefined();
      } finally {
        await subscriber.close();
        for (const socket of wss.clients) socket.terminate();
        wss.close();
      }
    }, 60_000);
  });

  describe('subscribe, against a graphql-ws server', () => {
    const schema = buildSchema(`
      type Query { hello: String }
      type Subscription {
        count(from: Int!, to: Int!): Int!
        ticks(from: Int!): Int!
        refused: Int!
        failsAfter(n: Int!): Int!
      }
    `);
    type Ticks = { ticks: number };
    type Count = { count: number };
    const COUNT = parse('subscription ($from: Int!, $to: Int!) { count(from: $from, to: $to) }') as TypedDocumentNode<
      Count,
      { from: number; to: number }
    >;
    const TICKS = parse('subscription ($from: Int!) { ticks(from: $from) }') as TypedDocumentNode<
      Ticks,
      { from: number }
    >;
    const REFUSED = parse('subscription { refused }') as TypedDocumentNode<{ refused: number }, Record<string, never>>;
    const FAILS = parse('subscription ($n: Int!) { failsAfter(n: $n) }') as TypedDocumentNode<
      { failsAfter: number },
      { n: number }
    >;

    /** Every `ticks` subscription the server got, by its `from` variable. */
    let subscribedFrom: number[];
    let connections: number;
    let http: Server | undefined;
    let stop: (() => Promise<void>) | undefined;
    let port = 0;
    let refuseWith: number | undefined;
    /** Closes every connection with 1000 while the server keeps accepting new ones. */
    let closeNormally: () => Promise<void> = async () => undefined;
    const clients: SlipwayClient[] = [];

    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const roots = {
      subscription: {
        count: async function* ({ from, to }: { from: number; to: number }) {
          for (let n = from; n <= to; n += 1) yield { count: n };
        },
        ticks: async function* ({ from }: { from: number }) {
          subscribedFrom.push(from);
          for (let n = from; ; n += 1) {
            yield { ticks: n };
            await sleep(20);
          }
        },
        refused: () => {
          throw new GraphQLError('Not yours', { extensions: { code: 'FORBIDDEN' } });
        },
        failsAfter: async function* ({ n }: { n: number }) {
          for (let i = 0; i < n; i += 1) yield { failsAfter: i };
          yield { failsAfter: new GraphQLError('It went away', { extensions: { code: 'NOT_FOUND' } }) };
        },
      },
    };

    /** Starts the server (on the same port as before, after the first time). */
    const start = async (): Promise<string> => {
      http = createServer();
      const wss = new WebSocketServer({ server: http, path: '/graphql' });
      wss.on('connection', (socket) => {
        connections += 1;
        if (refuseWith !== undefined) socket.close(refuseWith, 'No');
      });
      const disposable = useServer({ schema, roots }, wss);
      await new Promise<void>((resolve) => http!.listen(port, '127.0.0.1', resolve));
      port = (http.address() as AddressInfo).port;
      const server = http;
      closeNormally = async () => {
        for (const socket of wss.clients) socket.close(1000, 'Normal Closure');
      };
      stop = async () => {
        for (const socket of wss.clients) socket.terminate();
        await disposable.dispose();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      };
      return `http://127.0.0.1:${port}/graphql`;
    };

    const client = (url: string): SlipwayClient => {
      const made = new SlipwayClient({ url });
      clients.push(made);
      return made;
    };

    /**
     * Lets as much happen as a retry needs to show: another client connects, subscribes and gets
     * ten values 20 ms apart, far longer than a retry's pause (maxDelayMs 50) and connection, and
     * as slow as the machine is. Counts as one connection.
     */
    const retryWindow = async (url: string): Promise<void> => {
      const control = new Recorder<Ticks>();
      const witness = client(url);
      witness.subscribe(TICKS, () => ({ from: 1 }), control, { maxDelayMs: 50 });
      await until('the control subscription to get ten values', () => control.values.length >= 10);
      await witness.close();
    };

    beforeEach(() => {
      subscribedFrom = [];
      connections = 0;
      refuseWith = undefined;
      port = 0;
    });

    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await stop?.();
      stop = undefined;
    });

    it('delivers every value, then completes', async () => {
      const recorder = new Recorder<Count>();
      client(await start()).subscribe(COUNT, () => ({ from: 1, to: 5 }), recorder);
      await until('completion', () => recorder.completed);
      expect(recorder.values).toEqual([1, 2, 3, 4, 5].map((count) => ({ count })));
      expect(recorder.error_).toBeUndefined();
    });

    it("ends with the GraphQL error's code, whether refused at once or after some values", async () => {
      const url = await start();
      const refused = new Recorder<{ refused: number }>();
      client(url).subscribe(REFUSED, () => ({}), refused);
      await until('the error', () => refused.error_ !== undefined);
      expect(refused.error_).toMatchObject({ code: 'FORBIDDEN', message: 'Not yours' });

      const later = new Recorder<{ failsAfter: number }>();
      client(url).subscribe(FAILS, () => ({ n: 2 }), later);
      await until('the error', () => later.error_ !== undefined);
      expect(later.values).toEqual([{ failsAfter: 0 }, { failsAfter: 1 }]);
      expect(later.error_).toMatchObject({ code: 'NOT_FOUND', message: 'It went away' });
      expect([refused.reconnects, later.reconnects, refused.completed, later.completed]).toEqual([
        [],
        [],
        false,
        false,
      ]);
    });

    it.each([
      ['terminated', 'terminate'],
      ['closed normally', 'close'],
    ])(
      'subscribes again with fresh variables after the connection is %s and the server comes back',
      async (_how, how) => {
        const recorder = new Recorder<Ticks>();
        const url = await start();
        const subscriber = client(url);
        const unsubscribe = subscriber.subscribe(
          TICKS,
          () => ({ from: (recorder.values.at(-1)?.ticks ?? 0) + 1 }),
          recorder,
          { maxDelayMs: 200 },
        );
        await until('a few values', () => recorder.values.length >= 3);
        const down = stop!;
        stop = undefined;
        // Terminated: the server is gone, and comes back later on the same port. Closed normally
        // (1000), as a proxy going away does: the server stays, the connection does not.
        if (how === 'close') {
          stop = down;
          await closeNormally();
        } else await down();
        const seen = recorder.values.length;
        await until('a reconnection attempt', () => recorder.reconnects.length >= 1);
        if (how === 'terminate') await start();
        await until('values after the restart', () => recorder.values.length >= seen + 3);
        unsubscribe();

        const ticks = recorder.values.map((v) => v.ticks);
        // Nothing delivered twice, nothing skipped: the second subscription started after the last value seen.
        expect(ticks).toEqual(ticks.map((_, i) => i + 1));
        expect(subscribedFrom[0]).toBe(1);
        expect(subscribedFrom.length).toBeGreaterThanOrEqual(2);
        expect(subscribedFrom.at(-1)).toBeGreaterThan(1);
        expect(recorder.reconnects[0]).toMatchObject({ attempt: 1, code: NETWORK_ERROR });
        expect(recorder.error_).toBeUndefined();
      },
      60_000,
    );

    it.each([
      [4401, 'UNAUTHENTICATED'],
      [4403, 'FORBIDDEN'],
    ])('does not retry a refusal (%i)', async (code, expected) => {
      refuseWith = code;
      const recorder = new Recorder<Ticks>();
      const url = await start();
      client(url).subscribe(TICKS, () => ({ from: 1 }), recorder, { maxDelayMs: 50 });
      await until('the refusal', () => recorder.error_ !== undefined);
      expect(recorder.error_).toMatchObject({ code: expected });
      // A retry now would be accepted: it would show as a third connection and values.
      refuseWith = undefined;
      await retryWindow(url);
      expect({ connections, reconnects: recorder.reconnects, values: recorder.values }).toEqual({
        connections: 2,
        reconnects: [],
        values: [],
      });
    });

    it('stops retrying after maxAttempts, with NETWORK_ERROR', async () => {
      const url = await start();
      await stop!();
      stop = undefined;
      const recorder = new Recorder<Ticks>();
      client(url).subscribe(TICKS, () => ({ from: 1 }), recorder, { maxAttempts: 2, maxDelayMs: 50 });
      await until('the final error', () => recorder.error_ !== undefined);
      expect(recorder.error_).toMatchObject({ code: NETWORK_ERROR });
      expect(recorder.reconnects.map((r) => r.attempt)).toEqual([1, 2]);
    });

    it('stops its subscriptions when the client is closed, without reconnecting', async () => {
      const recorder = new Recorder<Ticks>();
      const url = await start();
      const subscriber = client(url);
      subscriber.subscribe(TICKS, () => ({ from: 1 }), recorder, { maxDelayMs: 50 });
      await until('a value', () => recorder.values.length >= 1);
      await subscriber.close();
      const before = connections;
      await retryWindow(url);
      expect({
        connections: connections - before - 1,
        reconnects: recorder.reconnects,
        completed: recorder.completed,
        error: recorder.error_,
      }).toEqual({ connections: 0, reconnects: [], completed: false, error: undefined });
    });
  });
});
