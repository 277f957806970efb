'use strict';

/**
 * A subscriber process of `npm run bench:builds` (bench/builds/run.js forks one or more, each
 * driven over IPC). It follows a build's log the way a client does and checks every line:
 *
 *   transport 'graphql-ws': `count` WebSocket connections (subprotocol graphql-transport-ws, with
 *     the access token in the connection params), each with one `buildLogs(buildId, afterSeq)`
 *     subscription, to the real API or to the bare server;
 *   transport 'redis': one ioredis subscriber on a channel carrying messages of the same shape as
 *     the worker's (`{ lines: [{ seq, at, stream, step, text }], finished? }`), for the bare Redis
 *     round trip.
 *
 * Every subscription must receive each line once, in order (`seq` going up by one from
 * `afterSeq + 1`), the emitted lines (`bench-line <n> …`) from 1 to the number the emitter says it
 * wrote (`bench-done <n>`), and end with a last batch saying SUCCEEDED. With `latency`, each emitted
 * line's delay from its stamp (the machine's monotonic clock when it was written) to its arrival
 * here is kept, and, at millisecond resolution, how it splits at the line's `at` (when the worker
 * took it) between the worker's side and the rest.
 *
 * IPC, from the runner:
 *   { type: 'follow', run, transport, url, token, buildId, channel, count, afterSeq, latency }
 *   { type: 'close' }   close every connection (the process then exits)
 * to the runner:
 *   { type: 'ready', run }    every subscription has received its first message (redis: is subscribed)
 *   { type: 'result', run, … } every subscription has ended (completed or failed), with the checks
 */

const { Redis } = require('ioredis');
const WebSocket = require('ws');

const QUERY = `subscription ($buildId: ID!, $afterSeq: Int) {
  buildLogs(buildId: $buildId, afterSeq: $afterSeq) { lines { seq at stream step text } finished status }
}`;
/** Connections opened at once, so that 1,000 of them do not all knock at the same moment. */
const OPENING_AT_ONCE = 50;

const send = (message) => {
  if (process.connected) process.send(message);
};

let current = null;

/** One subscription's checks. */
function follower(run, afterSeq) {
  return {
    nextSeq: afterSeq + 1,
    lines: 0,
    nextEmitted: 1,
    emittedDone: null,
    lastEmittedAt: null,
    firstMessage: false,
    status: null,
    ended: false,
    error: null,
    bytes: 0,
    batches: 0,
    run,
  };
}

function fail(f, message) {
  if (f.ended) return;
  f.error = message;
  end(f);
}

function end(f) {
  if (f.ended) return;
  f.ended = true;
  const run = f.run;
  run.open--;
  if (f.close) f.close();
  if (run.open === 0) finishRun(run);
}

function firstMessage(f) {
  if (f.firstMessage) return;
  f.firstMessage = true;
  const run = f.run;
  if (++run.ready === run.followers.length) send({ type: 'ready', run: run.id });
}

/** Checks one batch of lines received at `at` (process.hrtime.bigint()). */
function onBatch(f, batch, at) {
  if (f.ended) return;
  const run = f.run;
  const lines = batch.lines;
  f.batches++;
  const nowWall = run.latency ? Date.now() : 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.seq !== f.nextSeq) {
      return fail(
        f,
        line.seq < f.nextSeq
          ? `line ${line.seq} received again (expected ${f.nextSeq})`
          : `lines ${f.nextSeq}..${line.seq - 1} missing`,
      );
    }
    f.nextSeq++;
    f.lines++;
    const text = line.text;
    if (text.startsWith('bench-line ')) {
      const parts = text.split(' ', 4);
      const n = Number(parts[1]);
      if (n !== f.nextEmitted) return fail(f, `emitted line ${n} received where ${f.nextEmitted} was expected`);
      f.nextEmitted++;
      f.lastEmittedAt = at;
      if (run.latency) {
        const writtenUs = Number(parts[2]);
        const writtenWall = Number(parts[3]);
        const takenWall = Date.parse(line.at);
        run.samples.total.push(Number(at / 1000n) - writtenUs);
        run.samples.worker.push(takenWall - writtenWall);
        run.samples.after.push(nowWall - takenWall);
      }
    } else if (text.startsWith('bench-done ')) {
      f.emittedDone = Number(text.slice('bench-done '.length));
    }
  }
  if (batch.finished) {
    f.status = batch.status;
    if (batch.status !== 'SUCCEEDED') return fail(f, `the build ended ${batch.status}`);
    if (f.emittedDone === null) return fail(f, 'no bench-done line');
    if (f.nextEmitted - 1 !== f.emittedDone) {
      return fail(f, `${f.nextEmitted - 1} emitted lines received, the emitter wrote ${f.emittedDone}`);
    }
    end(f);
  }
}

function followGraphqlWs(run, opts) {
  let opening = 0;
  const queue = [];
  const opened = () => {
    opening--;
    if (queue.length > 0) queue.shift()();
  };
  for (let i = 0; i < opts.count; i++) {
    const f = follower(run, opts.afterSeq);
    run.followers.push(f);
    const connect = () => {
      opening++;
      let counted = false;
      const settle = () => {
        if (!counted) {
          counted = true;
          opened();
        }
      };
      const socket = new WebSocket(opts.url, 'graphql-transport-ws', { perMessageDeflate: false });
      f.close = () => {
        settle();
        if (socket.readyState === WebSocket.OPEN) socket.close(1000);
        else socket.terminate();
      };
      socket.on('open', () =>
        socket.send(
          JSON.stringify({
            type: 'connection_init',
            payload: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
          }),
        ),
      );
      socket.on('message', (data) => {
        const at = process.hrtime.bigint();
        f.bytes += data.length;
        let message;
        try {
          message = JSON.parse(data);
        } catch {
          return fail(f, `not JSON: ${String(data).slice(0, 200)}`);
        }
        switch (message.type) {
          case 'connection_ack':
            settle();
            socket.send(
              JSON.stringify({
                id: '1',
                type: 'subscribe',
                payload: { query: QUERY, variables: { buildId: opts.buildId, afterSeq: opts.afterSeq } },
              }),
            );
            break;
          case 'next':
            firstMessage(f);
            if (message.payload.errors) return fail(f, JSON.stringify(message.payload.errors).slice(0, 500));
            onBatch(f, message.payload.data.buildLogs, at);
            break;
          case 'error':
            fail(f, JSON.stringify(message.payload).slice(0, 500));
            break;
          case 'complete':
            if (!f.ended) fail(f, 'the subscription completed before the last batch');
            break;
          case 'ping':
            socket.send(JSON.stringify({ type: 'pong' }));
            break;
          default:
            break;
        }
      });
      socket.on('error', (error) => fail(f, `socket error: ${error.message}`));
      socket.on('close', (code, reason) => {
        settle();
        fail(f, `the connection closed (${code} ${String(reason)})`);
      });
    };
    if (opening < OPENING_AT_ONCE) connect();
    else queue.push(connect);
  }
}

function followRedis(run, opts) {
  const f = follower(run, opts.afterSeq);
  run.followers.push(f);
  const redis = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  f.close = () => redis.disconnect();
  redis.on('message', (_channel, data) => {
    const at = process.hrtime.bigint();
    f.bytes += Buffer.byteLength(data);
    const message = JSON.parse(data);
    onBatch(
      f,
      { lines: message.lines, finished: Boolean(message.finished), status: message.finished?.status ?? null },
      at,
    );
  });
  redis
    .connect()
    .then(() => redis.subscribe(opts.channel))
    .then(() => firstMessage(f))
    .catch((error) => fail(f, `Redis: ${error.message}`));
}

function finishRun(run) {
  const failed = run.followers.filter((f) => f.error);
  const lastEmitted = run.followers.reduce((max, f) => (f.lastEmittedAt > max ? f.lastEmittedAt : max), 0n);
  const firstDone = run.followers.reduce(
    (min, f) => (f.lastEmittedAt !== null && (min === null || f.lastEmittedAt < min) ? f.lastEmittedAt : min),
    null,
  );
  send({
    type: 'result',
    run: run.id,
    subscribers: run.followers.length,
    failed: failed.length,
    errors: [...new Set(failed.map((f) => f.error))].slice(0, 5),
    lines: run.followers.reduce((a, f) => a + f.lines, 0),
    emitted: run.followers.reduce((a, f) => a + (f.nextEmitted - 1), 0),
    emittedDone: [...new Set(run.followers.map((f) => f.emittedDone))],
    bytes: run.followers.reduce((a, f) => a + f.bytes, 0),
    batches: run.followers.reduce((a, f) => a + f.batches, 0),
    // hrtime readings as strings: IPC carries JSON.
    firstDoneAt: firstDone === null ? null : String(firstDone),
    lastDoneAt: String(lastEmitted),
    samples: run.latency ? run.samples : null,
  });
  current = null;
}

process.on('message', (message) => {
  if (message.type === 'follow') {
    const run = {
      id: message.run,
      followers: [],
      open: message.count,
      ready: 0,
      latency: Boolean(message.latency),
      samples: { total: [], worker: [], after: [] },
    };
    current = run;
    if (message.transport === 'redis') followRedis(run, { ...message, count: 1 });
    else followGraphqlWs(run, message);
  } else if (message.type === 'close') {
    if (current) for (const f of current.followers) if (f.close) f.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
