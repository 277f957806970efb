/**
 * Baseline for the fan-out part of `npm run bench:builds`: the least a server must do to follow
 * a build's log over graphql-ws. No Nest, no authentication, no store: `graphql-ws` on a `ws`
 * server, a schema with the same `buildLogs` subscription and types as the real API (same fields,
 * nullability and `DateTime` scalar, so the same query gets the same bytes), fed by Redis pub/sub
 * messages of the shape the real worker publishes (`BuildLogMessage`: `{ projectId, buildId,
 * lines, finished? }`). bench/builds/run.js replays on it, message for message, what a real build
 * published.
 *
 * One Redis subscription per build, shared by its subscribers; each message is parsed, and its
 * times made `Date`s, once, then handed to every subscriber, whose operation graphql-js executes.
 *
 * Built by bench/builds/run.js with `npx tsc -p bench/tsconfig.json` into bench/dist/builds/.
 * Environment: PORT (default 0 = any free port), HOST (default 127.0.0.1), REDIS_URL, CHANNEL_PREFIX
 * (a build's messages arrive on `<CHANNEL_PREFIX><buildId>`).
 * Prints `BARE_LISTENING <port>` once it accepts connections. `GET /subscribers` answers how many
 * subscriptions are open and following their channel.
 */
import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLID,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  Kind,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { Redis } from 'ioredis';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

interface Line {
  seq: number;
  at: Date;
  stream: string;
  step: string;
  text: string;
}

interface Batch {
  lines: Line[];
  finished: boolean;
  status: string | null;
}

/** What the real worker publishes (src/builds/build-log-stream.ts, `BuildLogMessage`), as JSON. */
interface PublishedMessage {
  lines: Array<Omit<Line, 'at'> & { at: string }>;
  finished?: { status: string; lastSeq: number };
}

/** The same scalar as Nest's `GraphQLISODateTime`, which the real schema uses. */
const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (value) => (value instanceof Date ? value.toISOString() : null),
  parseValue: (value) => new Date(value as string),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? new Date(ast.value) : null),
});

const BuildStatus = new GraphQLEnumType({
  name: 'BuildStatus',
  values: Object.fromEntries(
    ['CANCELED', 'FAILED', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'TIMED_OUT'].map((v) => [v, { value: v }]),
  ),
});

const BuildLogLine = new GraphQLObjectType({
  name: 'BuildLogLine',
  fields: {
    at: { type: new GraphQLNonNull(DateTime) },
    seq: { type: new GraphQLNonNull(GraphQLInt) },
    step: { type: new GraphQLNonNull(GraphQLString) },
    stream: { type: new GraphQLNonNull(GraphQLString) },
    text: { type: new GraphQLNonNull(GraphQLString) },
  },
});

const BuildLogBatch = new GraphQLObjectType({
  name: 'BuildLogBatch',
  fields: {
    finished: { type: new GraphQLNonNull(GraphQLBoolean) },
    lines: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(BuildLogLine))) },
    status: { type: BuildStatus },
  },
});

/** One subscriber's messages, in order; ends after the build's last one or when it leaves. */
class Follower implements AsyncIterableIterator<{ buildLogs: Batch }> {
  private readonly queue: Batch[] = [];
  private wake: (() => void) | undefined;
  private done = false;

  constructor(private readonly leave: (follower: Follower) => void) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<{ buildLogs: Batch }> {
    return this;
  }

  push(batch: Batch): void {
    this.queue.push(batch);
    this.wake?.();
    this.wake = undefined;
  }

  async next(): Promise<IteratorResult<{ buildLogs: Batch }>> {
    for (;;) {
      const batch = this.queue.shift();
      if (batch) {
        if (batch.finished) this.close();
        return { done: false, value: { buildLogs: batch } };
      }
      if (this.done) return { done: true, value: undefined };
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  return(): Promise<IteratorResult<{ buildLogs: Batch }>> {
    this.close();
    this.queue.length = 0;
    return Promise.resolve({ done: true, value: undefined });
  }

  private close(): void {
    if (this.done) return;
    this.done = true;
    this.leave(this);
    this.wake?.();
    this.wake = undefined;
  }
}

async function main(): Promise<void> {
  const prefix = process.env.CHANNEL_PREFIX ?? 'bare:build-log:';
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  await redis.connect();
  const followers = new Map<string, Set<Follower>>();
  let following = 0;

  redis.on('message', (channel: string, raw: string) => {
    const set = followers.get(channel);
    if (!set || set.size === 0) return;
    const message = JSON.parse(raw) as PublishedMessage;
    const batch: Batch = {
      lines: message.lines.map((line) => ({ ...line, at: new Date(line.at) })),
      finished: Boolean(message.finished),
      status: message.finished?.status ?? null,
    };
    for (const follower of set) follower.push(batch);
  });

  const follow = async (buildId: string): Promise<Follower> => {
    const channel = `${prefix}${buildId}`;
    let set = followers.get(channel);
    if (!set) {
      set = new Set();
      followers.set(channel, set);
    }
    const follower = new Follower((f) => {
      if (set.delete(f)) following--;
      if (set.size === 0) {
        followers.delete(channel);
        void redis.unsubscribe(channel);
      }
    });
    set.add(follower);
    if (set.size === 1) await redis.subscribe(channel);
    following++;
    return follower;
  };

  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLBoolean, resolve: () => true } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        buildLogs: {
          type: new GraphQLNonNull(BuildLogBatch),
          args: {
            afterSeq: { type: new GraphQLNonNull(GraphQLInt), defaultValue: 0 },
            buildId: { type: new GraphQLNonNull(GraphQLID) },
          },
          subscribe: (_root, args: { buildId: string }) => follow(args.buildId),
        },
      },
    }),
  });

  const http = createServer((req, res) => {
    if (req.url === '/subscribers') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ subscribers: following }));
    } else {
      res.writeHead(404).end();
    }
  });
  const wss = new WebSocketServer({ server: http, path: '/graphql' });
  const server = useServer({ schema }, wss);
  await new Promise<void>((resolve) =>
    http.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', resolve),
  );
  const address = http.address() as { port: number };
  process.stdout.write(`BARE_LISTENING ${address.port}\n`);

  const stop = (): void => {
    void Promise.resolve(server.dispose())
      .then(() => redis.quit())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`bare fan-out server failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
