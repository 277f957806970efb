#!/usr/bin/env node
'use strict';

/**
 * Webhooks benchmark (`npm run bench:webhooks`): deliveries per second to a loopback receiver and
 * event-to-delivery latency through the real API, beside a bare HTTP POST loop to the same
 * receiver in the same run. See docs/benchmarks.md, "Webhooks".
 *
 * What it does:
 *   1. builds dist/ (`npx tsc -p tsconfig.build.json`) when it is missing or older than src/;
 *      starts embedded MongoDB and Redis and the real API (`node dist/main.js`,
 *      NODE_ENV=production, PROCESS_ROLE=all so the same process delivers, LOG_LEVEL=warn,
 *      WEBHOOK_ALLOWED_ADDRESSES=127.0.0.1: the receiver's address only);
 *   2. starts a receiver in this process: an HTTP server on 127.0.0.1 that answers 204 at once,
 *      verifies each delivery with the official `standardwebhooks` package and notes when each
 *      endpoint's `webhook-id` first arrived (a second arrival at one endpoint is a duplicate);
 *   3. registers a user, a project and `--webhooks` webhooks on the receiver, each subscribed to
 *      `project.updated`;
 *   4. latency: `--latency-events` `updateProject` mutations, one every `--interval-ms`, each
 *      publishing one `project.updated` event. Latency = arrival at the receiver − the event's own
 *      `timestamp` (taken by the API when the event was published; same machine, same clock),
 *      for the first webhook's deliveries. Beside it, the bare loop: the same number of POSTs of
 *      a body of the same size from this process to the receiver, one after the other, each on a
 *      new connection (as deliveries are), timed from send to the receiver's arrival;
 *   5. throughput: first `--burst-events` `updateProject` mutations, `--senders` at a time, in a
 *      second project that has no webhook (what a mutation costs without the outbox); then the
 *      same in the project with the webhooks;
 *      deliveries/s = deliveries arrived ÷ (last arrival − first event's timestamp). Beside it,
 *      the bare loop: the same number of POSTs (events × webhooks), `--webhooks` loops in
 *      parallel (as deliveries run one at a time per endpoint), each on a new connection;
 *   6. prints the table and stops everything it started. Exits 1 when a delivery is missing,
 *      fails verification or a mutation fails: the figures are then not valid.
 *
 * Usage: node bench/webhooks/run.js [options]      (npm run bench:webhooks -- [options])
 *   --webhooks=N          endpoints (webhooks) on the receiver            (default 4)
 *   --latency-events=N    events of the latency part                      (default 300)
 *   --interval-ms=MS      pause between the latency part's events         (default 20)
 *   --burst-events=N      events of the throughput part                   (default 500)
 *   --senders=N           concurrent mutations in the throughput part     (default 4)
 *   --build / --no-build  always / never run tsc on dist/ (default: only when it is stale)
 *   --json=FILE           also write the raw figures as JSON
 *   --quiet               no progress lines on stderr
 */

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const {
  newestMtime,
  mtime,
  sleep,
  waitForApi,
  graphql,
  percentile,
  table,
  runMeta,
  benchApiEnv,
  stopChildren,
  registerWithProject,
} = require('../support');

const ROOT = path.resolve(__dirname, '..', '..');
const EVENT = 'project.updated';

function parseArgs(argv) {
  const opts = {
    webhooks: 4,
    latencyEvents: 300,
    intervalMs: 20,
    burstEvents: 500,
    senders: 4,
    build: 'auto',
    json: null,
    quiet: false,
  };
  const positive = (value, name) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
  for (const arg of argv) {
    const [key, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg];
    switch (key) {
      case '--webhooks':
        opts.webhooks = positive(value, key);
        break;
      case '--latency-events':
        opts.latencyEvents = positive(value, key);
        break;
      case '--interval-ms':
        opts.intervalMs = Number(value);
        if (!(opts.intervalMs >= 0)) throw new Error('--interval-ms must be >= 0');
        break;
      case '--burst-events':
        opts.burstEvents = positive(value, key);
        break;
      case '--senders':
        opts.senders = positive(value, key);
        break;
      case '--build':
        opts.build = 'always';
        break;
      case '--no-build':
        opts.build = 'never';
        break;
      case '--json':
        opts.json = value;
        break;
      case '--quiet':
        opts.quiet = true;
        break;
      case '--help':
        process.stdout.write(`${fs.readFileSync(__filename, 'utf8').split('*/')[0]}*/\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg} (see --help)`);
    }
  }
  return opts;
}

let QUIET = false;
const log = (msg) => {
  if (!QUIET) process.stderr.write(`[bench:webhooks] ${msg}\n`);
};

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

const fmt = (n, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));

function buildIfNeeded(mode) {
  if (mode === 'never') return;
  const entry = path.join(ROOT, 'dist', 'main.js');
  const stale = mtime(entry) < newestMtime(path.join(ROOT, 'src'), (p) => p.endsWith('.ts'));
  if (mode === 'auto' && !stale) return;
  log('building dist/');
  const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('tsc failed');
}

// ---------------------------------------------------------------------------
// The receiver

/**
 * A loopback HTTP server that answers 204 at once and notes when each delivery (by `webhook-id`)
 * and each bare POST (by its `x-bench-id`) first arrived. Deliveries are verified with the
 * official package, so a wrong signature is a problem, not a figure.
 */
function startReceiver(ctx) {
  const { Webhook } = require('standardwebhooks');
  const receiver = {
    verifiers: new Map(), // webhook id -> Webhook
    deliveries: new Map(), // `<endpoint>:<webhook-id>` -> { at, webhookId, type, timestamp }
    bare: new Map(), // x-bench-id -> arrival time
    duplicates: 0,
    server: null,
    port: 0,
  };
  receiver.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.timeOrigin + performance.now();
      res.writeHead(204).end();
      const benchId = req.headers['x-bench-id'];
      if (benchId) {
        receiver.bare.set(String(benchId), at);
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const webhookId = req.url.startsWith('/hook/') ? req.url.slice('/hook/'.length) : '';
      const verifier = receiver.verifiers.get(webhookId);
      let payload;
      try {
        if (!verifier) throw new Error(`no webhook ${webhookId}`);
        payload = verifier.verify(body, req.headers);
      } catch (error) {
        ctx.problem(`a delivery failed verification: ${error.message}`);
        return;
      }
      // The same event carries the same webhook-id to every endpoint: one delivery is both.
      const id = `${webhookId}:${req.headers['webhook-id']}`;
      if (receiver.deliveries.has(id)) {
        receiver.duplicates++;
        return;
      }
      receiver.deliveries.set(id, { at, webhookId, type: payload.type, timestamp: Date.parse(payload.timestamp) });
    });
  });
  receiver.server.keepAliveTimeout = 5_000;
  return new Promise((resolve) =>
    receiver.server.listen(0, '127.0.0.1', () => {
      receiver.port = receiver.server.address().port;
      receiver.Webhook = Webhook;
      resolve(receiver);
    }),
  );
}

/** One POST on a new connection, as a delivery makes; resolves with the send time. */
function barePost(receiver, id, body) {
  const sent = performance.timeOrigin + performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: receiver.port,
        path: '/bare',
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-bench-id': id,
          'user-agent': 'bench',
        },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 204 ? resolve(sent) : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------------------
// The API

const children = new Set();

async function startApi(ctx) {
  const { startMongo, startRedis, getFreePort } = require('../../tools/embedded-servers');
  log('starting MongoDB, Redis and the API');
  const [mongo, redis] = await Promise.all([startMongo(), startRedis()]);
  ctx.databases = { mongo, redis };
  const port = await getFreePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: benchApiEnv(
      'webhooks',
      { mongoUri: `${mongo.uri}/slipway-bench-webhooks`, redisUrl: redis.url, port, scratch: ctx.scratch },
      { WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1' },
    ),
  });
  children.add(child);
  const tail = await waitForApi(child, port, children);
  ctx.apiPid = child.pid;
  ctx.apiTail = tail;
  return `http://127.0.0.1:${port}/graphql`;
}

async function stopAll(ctx) {
  await stopChildren(children);
  if (ctx.receiver) await new Promise((resolve) => ctx.receiver.server.close(resolve));
  if (ctx.databases) await Promise.all([ctx.databases.mongo.stop(), ctx.databases.redis.stop()]);
}

async function setUp(ctx, url) {
  const { token, projectId } = await registerWithProject(url, 'Webhooks bench');
  const { createProject: plain } = await graphql(
    url,
    'mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }',
    { input: { name: 'Webhooks bench, no webhooks' } },
    token,
  );
  ctx.plainProjectId = plain.id;
  for (let i = 0; i < ctx.opts.webhooks; i++) {
    // The receiver tells the endpoints apart by their path, so it knows each one's secret.
    const { createWebhook } = await graphql(
      url,
      `
        mutation ($input: CreateWebhookInput!) {
          createWebhook(input: $input) {
            secret
            webhook {
              id
            }
          }
        }
      `,
      {
        input: {
          projectId,
          url: `http://127.0.0.1:${ctx.receiver.port}/hook/${i}`,
          events: [EVENT],
          description: `bench endpoint ${i}`,
        },
      },
      token,
    );
    const id = String(i);
    ctx.receiver.verifiers.set(id, new ctx.receiver.Webhook(createWebhook.secret));
    ctx.webhookIds.push(id);
  }
  return { token, projectId };
}

let sequence = 0;
function updateProject(url, token, projectId) {
  sequence++;
  return graphql(
    url,
    'mutation ($input: UpdateProjectInput!) { updateProject(input: $input) { id } }',
    { input: { id: projectId, description: `bench update ${sequence}` } },
    token,
  );
}

/** Waits until `count` deliveries have arrived or nothing arrived for 30 s. */
async function waitForDeliveries(ctx, count) {
  let last = ctx.receiver.deliveries.size;
  let lastChange = Date.now();
  while (ctx.receiver.deliveries.size < count) {
    await sleep(20);
    if (ctx.receiver.deliveries.size !== last) {
      last = ctx.receiver.deliveries.size;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 30_000) {
      ctx.problem(`only ${ctx.receiver.deliveries.size - ctx.deliveredBefore} of the deliveries expected arrived`);
      return;
    }
  }
}

function newDeliveries(ctx) {
  const all = [...ctx.receiver.deliveries.values()];
  const fresh = all.slice(ctx.deliveredBefore);
  ctx.deliveredBefore = all.length;
  return fresh;
}

// ---------------------------------------------------------------------------
// The parts

async function latencyPart(ctx, url, session) {
  const { latencyEvents, intervalMs, webhooks } = ctx.opts;
  log(`latency: ${latencyEvents} events, one every ${intervalMs} ms`);
  for (let i = 0; i < latencyEvents; i++) {
    await updateProject(url, session.token, session.projectId);
    if (intervalMs > 0) await sleep(intervalMs);
  }
  await waitForDeliveries(ctx, ctx.deliveredBefore + latencyEvents * webhooks);
  const first = ctx.webhookIds[0]; // the endpoint at /hook/0
  const latencies = newDeliveries(ctx)
    .filter((d) => d.webhookId === first && d.type === EVENT)
    .map((d) => d.at - d.timestamp);
  // The body the bare loop sends is as big as a delivery's.
  const body = JSON.stringify({
    type: EVENT,
    timestamp: new Date().toISOString(),
    data: { projectId: session.projectId, name: 'x'.repeat(64) },
  });
  const bare = [];
  for (let i = 0; i < latencyEvents; i++) {
    const id = `latency-${i}`;
    const sent = await barePost(ctx.receiver, id, body);
    bare.push(ctx.receiver.bare.get(id) - sent);
    if (intervalMs > 0) await sleep(intervalMs);
  }
  ctx.results.latency = { platform: summary(latencies), bare: summary(bare) };
}

/** `count` updateProject mutations, `senders` at a time; resolves with their rate per second. */
async function mutations(url, token, projectId, count, senders) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < count) {
        next++;
        await updateProject(url, token, projectId);
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function throughputPart(ctx, url, session) {
  const { burstEvents, senders, webhooks } = ctx.opts;
  log(`mutations in a project without webhooks: ${burstEvents}, ${senders} at a time`);
  const plainPerSecond = await mutations(url, session.token, ctx.plainProjectId, burstEvents, senders);
  await sleep(500);
  log(`throughput: ${burstEvents} events × ${webhooks} webhooks, ${senders} mutations at a time`);
  const mutationsPerSecond = await mutations(url, session.token, session.projectId, burstEvents, senders);
  await waitForDeliveries(ctx, ctx.deliveredBefore + burstEvents * webhooks);
  const fresh = newDeliveries(ctx);
  const firstEvent = Math.min(...fresh.map((d) => d.timestamp));
  const lastArrival = Math.max(...fresh.map((d) => d.at));
  const platformSeconds = (lastArrival - firstEvent) / 1000;

  const body = JSON.stringify({
    type: EVENT,
    timestamp: new Date().toISOString(),
    data: { projectId: session.projectId, name: 'x'.repeat(64) },
  });
  const total = burstEvents * webhooks;
  let sent = 0;
  const bareStarted = performance.now();
  await Promise.all(
    Array.from({ length: webhooks }, async (_, loop) => {
      while (sent < total) {
        const id = `burst-${loop}-${sent++}`;
        await barePost(ctx.receiver, id, body);
      }
    }),
  );
  const bareSeconds = (performance.now() - bareStarted) / 1000;
  ctx.results.throughput = {
    deliveries: fresh.length,
    platformSeconds,
    platformPerSecond: fresh.length / platformSeconds,
    mutationsPerSecond,
    plainPerSecond,
    bare: total,
    bareSeconds,
    barePerSecond: total / bareSeconds,
  };
}

function report(ctx, meta) {
  const lines = [
    `Webhooks benchmark, ${meta.date}`,
    `${meta.cpus} × ${meta.cpuModel}, ${meta.platform}, Node ${meta.node}`,
    `command: ${meta.command}`,
    '',
  ];
  const { latency, throughput } = ctx.results;
  if (latency) {
    lines.push(
      'Event-to-delivery latency (ms; platform: event published → delivery at the receiver;',
      'bare: POST sent → arrived, new connection each)',
      table(
        [
          { what: 'platform (updateProject → project.updated webhook)', ...latency.platform },
          { what: 'bare HTTP POST loop', ...latency.bare },
        ],
        [
          { title: 'what', get: (r) => r.what },
          { title: 'n', get: (r) => r.n },
          { title: 'p50', get: (r) => fmt(r.p50, 2) },
          { title: 'p99', get: (r) => fmt(r.p99, 2) },
          { title: 'max', get: (r) => fmt(r.max, 2) },
        ],
      ),
      '',
    );
  }
  if (throughput) {
    lines.push(
      `Deliveries per second (${ctx.opts.webhooks} endpoints; the updateProject mutations ran at ${fmt(throughput.mutationsPerSecond, 0)}/s,`,
      `against ${fmt(throughput.plainPerSecond, 0)}/s in a project without webhooks, deliveries not running)`,
      table(
        [
          {
            what: 'platform deliveries',
            n: throughput.deliveries,
            s: throughput.platformSeconds,
            rate: throughput.platformPerSecond,
          },
          {
            what: `bare HTTP POST loop (${ctx.opts.webhooks} in parallel)`,
            n: throughput.bare,
            s: throughput.bareSeconds,
            rate: throughput.barePerSecond,
          },
        ],
        [
          { title: 'what', get: (r) => r.what },
          { title: 'POSTs', get: (r) => r.n },
          { title: 'seconds', get: (r) => fmt(r.s, 2) },
          { title: 'per second', get: (r) => fmt(r.rate, 0) },
        ],
      ),
      '',
    );
  }
  lines.push(`duplicates received: ${ctx.receiver.duplicates}; run took ${fmt(meta.seconds, 0)} s`);
  return lines.join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  QUIET = opts.quiet;
  const started = Date.now();
  buildIfNeeded(opts.build);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-webhooks-'));
  const ctx = {
    opts,
    scratch,
    webhookIds: [],
    deliveredBefore: 0,
    results: {},
    problems: [],
    problem(message) {
      this.problems.push(message);
      log(`  PROBLEM: ${message}`);
    },
  };
  current = ctx;
  try {
    ctx.receiver = await startReceiver(ctx);
    const url = await startApi(ctx);
    const session = await setUp(ctx, url);
    // One round unrecorded: the first deliveries open the API's connections and warm its code.
    for (let i = 0; i < 20; i++) await updateProject(url, session.token, session.projectId);
    await waitForDeliveries(ctx, 20 * opts.webhooks);
    newDeliveries(ctx);
    await latencyPart(ctx, url, session);
    await throughputPart(ctx, url, session);
    const meta = runMeta('webhooks', started);
    process.stdout.write(`${report(ctx, meta)}\n`);
    if (opts.json) {
      fs.mkdirSync(path.dirname(opts.json), { recursive: true });
      fs.writeFileSync(
        opts.json,
        `${JSON.stringify({ meta, options: opts, results: ctx.results, problems: ctx.problems }, null, 2)}\n`,
      );
    }
    if (ctx.receiver.duplicates > 0) log(`  note: ${ctx.receiver.duplicates} deliveries arrived twice`);
    if (ctx.problems.length > 0) {
      process.stderr.write(
        `[bench:webhooks] FAILED: ${ctx.problems.length} problem(s); the figures are not valid:\n  ${ctx.problems.slice(0, 20).join('\n  ')}\n`,
      );
      if (ctx.apiTail) process.stderr.write(`  the API's last lines:\n  ${ctx.apiTail.join('\n  ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await stopAll(ctx);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

let current = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    void (current ? stopAll(current) : Promise.resolve()).finally(() => process.exit(130));
    setTimeout(() => process.exit(130), 15_000).unref();
  });
}

main().catch((error) => {
  process.stderr.write(`[bench:webhooks] ${error && error.stack ? error.stack : error}\n`);
  for (const child of children) child.kill('SIGKILL');
  process.exitCode = 1;
});
