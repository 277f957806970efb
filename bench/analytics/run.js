#!/usr/bin/env node
'use strict';

/**
 * Analytics benchmark (`npm run bench:analytics`): metric ingest rate through the API and through
 * the internal recorder, and the latency of a 7-day dashboard over a project with a million
 * points, each beside a raw MongoDB figure measured in the same run. See docs/benchmarks.md,
 * "Analytics".
 *
 * What it does:
 *   1. builds dist/ (`npx tsc -p tsconfig.build.json`) when it is missing or older than src/;
 *      starts embedded MongoDB and Redis and the real API (`node dist/main.js`,
 *      NODE_ENV=production, PROCESS_ROLE=all, LOG_LEVEL=warn); registers a user and a project;
 *   2. API ingest: `--api-points` points of user metrics through `recordMetrics`, `--api-batch` points a
 *      request, `--senders` requests at a time (a request answers once its points are stored);
 *   3. internal recorder: `--points` points of the platform's own metrics (API requests, function
 *      invocations, webhook deliveries, builds, deployments: bench/analytics/points.js) spread over
 *      the last 7 days, through `MetricsRecorderService.record` in a process of its own
 *      (bench/analytics/recorder.js: the application booted from dist/, not listening), `--batch`
 *      points a call, `--senders` calls at a time;
 *   4. raw MongoDB insert loop: the same `--points` points as plain documents
 *      ({ projectId, name, labels, value, t }) into a collection of their own with the `mongodb`
 *      driver, `insertMany` of `--batch`, `--senders` at a time, unordered, no index but `_id`;
 *   5. 7-day dashboard: `--queries` `dashboard(range: LAST_7_DAYS)` requests one after the other,
 *      and `metricSeries` of the API requests' p95 per hour over 7 days; beside them, the same
 *      number of raw aggregations over the raw collection: count, sum, min and max per metric and
 *      day over the 7 days (less than the dashboard computes: no quantile, no rate);
 *   6. prints the table and stops everything it started. Exits 1 when a step fails.
 *
 * Usage: node bench/analytics/run.js [options]      (npm run bench:analytics -- [options])
 *   --points=N       points in the project (recorder and raw loop)     (default 1000000)
 *   --api-points=N   points through recordMetrics                       (default 100000)
 *   --batch=N        points per recorder call and insertMany            (default 1000)
 *   --api-batch=N    points per recordMetrics request (a point is about 150 bytes of the
 *                    API's 100 kB request body)                          (default 500)
 *   --senders=N      requests, calls or inserts at a time               (default 4)
 *   --queries=N      dashboard, series and raw aggregation runs         (default 20)
 *   --mongo-heap=SIZE the embedded MongoDB-protocol server's Java heap   (default 8g)
 *   --build / --no-build  always / never run tsc on dist/ (default: only when it is stale)
 *   --json=FILE      also write the raw figures as JSON
 *   --quiet          no progress lines on stderr
 */

const crypto = require('node:crypto');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  waitForApi,
  graphql,
  table,
  runMeta,
  fmt,
  summary,
  buildIfNeeded,
  registerWithProject,
  benchApiEnv,
  stopChildren,
} = require('../support');
const { pointsFor } = require('./points');

const ROOT = path.resolve(__dirname, '..', '..');
const DAY = 86_400_000;

function parseArgs(argv) {
  const opts = {
    points: 1_000_000,
    apiPoints: 100_000,
    batch: 1000,
    apiBatch: 500,
    senders: 4,
    queries: 20,
    mongoHeap: '8g',
    build: 'auto',
    json: null,
    quiet: false,
  };
  const positive = (value, name) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
  const keys = {
    '--points': 'points',
    '--api-points': 'apiPoints',
    '--batch': 'batch',
    '--api-batch': 'apiBatch',
    '--senders': 'senders',
    '--queries': 'queries',
  };
  for (const arg of argv) {
    const [key, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg];
    if (keys[key]) opts[keys[key]] = positive(value, key);
    else if (key === '--build') opts.build = 'always';
    else if (key === '--no-build') opts.build = 'never';
    else if (key === '--json') opts.json = value;
    else if (key === '--mongo-heap') opts.mongoHeap = value;
    else if (key === '--quiet') opts.quiet = true;
    else if (key === '--help') {
      process.stdout.write(`${fs.readFileSync(__filename, 'utf8').split('*/')[0]}*/\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (see --help)`);
  }
  return opts;
}

let QUIET = false;
const log = (msg) => {
  if (!QUIET) process.stderr.write(`[bench:analytics] ${msg}\n`);
};

// ---------------------------------------------------------------------------
// The API and the recorder process

const children = new Set();

function apiEnv(ctx, port) {
  return benchApiEnv('analytics', {
    mongoUri: ctx.mongoUri,
    redisUrl: ctx.databases.redis.url,
    port,
    scratch: ctx.scratch,
    keys: ctx.keys,
  });
}

async function startApi(ctx) {
  const { startMongo, startRedis, getFreePort } = require('../../tools/embedded-servers');
  // Two million documents (the recorder's raw points and the raw loop's) do not fit the embedded
  // server's default 1 GiB heap; a later -Xmx wins over the default one.
  process.env.EMBEDDED_MONGO_JAVA_OPTS =
    `-Xmx${ctx.opts.mongoHeap} ${process.env.EMBEDDED_MONGO_JAVA_OPTS ?? ''}`.trim();
  log('starting MongoDB, Redis and the API');
  const [mongo, redis] = await Promise.all([startMongo(), startRedis()]);
  ctx.databases = { mongo, redis };
  ctx.mongoUri = `${mongo.uri}/slipway-bench-analytics`;
  ctx.keys = `bench:${crypto.randomBytes(32).toString('base64')}`;
  const port = await getFreePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: apiEnv(ctx, port),
  });
  children.add(child);
  ctx.apiTail = await waitForApi(child, port, children);
  return `http://127.0.0.1:${port}/graphql`;
}

/** Runs bench/analytics/recorder.js with the API's environment; resolves with its { points, ms }. */
function runRecorder(ctx, projectId) {
  const { opts } = ctx;
  const args = [
    path.join(__dirname, 'recorder.js'),
    `--points=${opts.points}`,
    `--batch=${opts.batch}`,
    `--concurrency=${opts.senders}`,
    `--project=${projectId}`,
  ];
  // A worker role's port is never listened on by createApp; PROCESS_ROLE=api keeps its jobs off.
  const env = { ...apiEnv(ctx, 0), PROCESS_ROLE: 'api' };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err = (err + chunk).slice(-4000)));
    child.once('exit', (code) => {
      children.delete(child);
      const line = out.trim().split('\n').pop();
      if (code === 0 && line) resolve(JSON.parse(line));
      else reject(new Error(`recorder.js exited ${code}:\n${err}`));
    });
  });
}

async function stopAll(ctx) {
  await stopChildren(children);
  if (ctx.mongo) await ctx.mongo.close();
  if (ctx.databases) await Promise.all([ctx.databases.mongo.stop(), ctx.databases.redis.stop()]);
}

/** Runs `count` tasks, `senders` at a time; resolves with the seconds it took. */
async function parallel(count, senders, task) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      for (let i = next++; i < count; i = next++) await task(i);
    }),
  );
  return (performance.now() - started) / 1000;
}

// ---------------------------------------------------------------------------
// The parts

const RECORD = `
  mutation ($input: RecordMetricsInput!) {
    recordMetrics(input: $input) {
      count
    }
  }
`;

async function apiIngest(ctx, url, session) {
  const { apiPoints, apiBatch: batch, senders } = ctx.opts;
  log(`API ingest: ${apiPoints} points, ${batch} a request, ${senders} at a time`);
  const end = Date.now() - 60_000;
  const start = end - DAY;
  const batches = Math.ceil(apiPoints / batch);
  const seconds = await parallel(batches, senders, async (b) => {
    const from = b * batch;
    const points = pointsFor(from, Math.min(batch, apiPoints - from), apiPoints, start, end).map((p) => ({
      // User metrics may not use the platform's names.
      name: `app.${p.name.slice('slipway.'.length)}`,
      value: p.value,
      unit: p.unit,
      labels: Object.entries(p.labels ?? {}).map(([key, value]) => ({ key, value })),
      at: new Date(p.at).toISOString(),
    }));
    const data = await graphql(url, RECORD, { input: { projectId: session.projectId, points } }, session.token);
    if (data.recordMetrics.count !== points.length)
      throw new Error(`stored ${data.recordMetrics.count} of ${points.length}`);
  });
  ctx.results.apiIngest = { points: apiPoints, seconds, perSecond: apiPoints / seconds };
}

async function recorderIngest(ctx, session) {
  log(`internal recorder: ${ctx.opts.points} points over 7 days`);
  const { points, ms } = await runRecorder(ctx, session.projectId);
  ctx.results.recorderIngest = { points, seconds: ms / 1000, perSecond: points / (ms / 1000) };
}

async function rawInsert(ctx, session) {
  const { points, batch, senders } = ctx.opts;
  log(`raw MongoDB insert loop: ${points} points`);
  const { MongoClient } = require('mongodb');
  ctx.mongo = await MongoClient.connect(ctx.databases.mongo.uri);
  const collection = ctx.mongo.db('slipway-bench-analytics-raw').collection('points');
  const end = Date.now() - 60_000;
  const start = end - 7 * DAY;
  const batches = Math.ceil(points / batch);
  const seconds = await parallel(batches, senders, async (b) => {
    const from = b * batch;
    const docs = pointsFor(from, Math.min(batch, points - from), points, start, end).map((p) => ({
      projectId: session.projectId,
      name: p.name,
      labels: p.labels ?? {},
      value: p.value,
      t: p.at,
    }));
    await collection.insertMany(docs, { ordered: false });
  });
  ctx.results.rawInsert = { points, seconds, perSecond: points / seconds };
  ctx.rawCollection = collection;
}

const DASHBOARD = `
  query ($projectId: ID!) {
    dashboard(projectId: $projectId, range: LAST_7_DAYS) {
      deployments {
        total
        series {
          at
          count
        }
      }
      builds {
        count
        successRate
        averageDurationMs
        p95DurationMs
        averageQueueWaitMs
        series {
          at
        }
      }
      functions {
        invocations
        errorRate
        coldStarts
        p95DurationMs
        series {
          at
        }
      }
      api {
        requests
        errorRate
        p95LatencyMs
        series {
          at
        }
      }
      resources {
        buildMinutes
        functionComputeSeconds
      }
    }
  }
`;

const SERIES = `
  query ($projectId: ID!, $from: DateTime!, $to: DateTime!) {
    metricSeries(projectId: $projectId, name: "slipway.api.request", from: $from, to: $to, step: 3600, aggregate: P95) {
      resolution
      points {
        at
        value
      }
    }
  }
`;

async function timed(count, task) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await task();
    times.push(performance.now() - started);
  }
  return summary(times);
}

async function queries(ctx, url, session) {
  const { queries: count } = ctx.opts;
  log(`queries: ${count} of each`);
  const to = new Date();
  const from = new Date(to.getTime() - 7 * DAY);
  const dashboard = () => graphql(url, DASHBOARD, { projectId: session.projectId }, session.token);
  const series = () =>
    graphql(
      url,
      SERIES,
      { projectId: session.projectId, from: from.toISOString(), to: to.toISOString() },
      session.token,
    );
  const raw = () =>
    ctx.rawCollection
      .aggregate([
        { $match: { projectId: session.projectId, t: { $gte: from.getTime(), $lt: to.getTime() } } },
        {
          $group: {
            _id: { name: '$name', day: { $subtract: ['$t', { $mod: ['$t', DAY] }] } },
            count: { $sum: 1 },
            sum: { $sum: '$value' },
            min: { $min: '$value' },
            max: { $max: '$value' },
          },
        },
      ])
      .toArray();
  // One unrecorded run each: the first opens connections and warms code.
  await dashboard();
  await series();
  const rows = await raw();
  ctx.results.rawRows = rows.length;
  ctx.results.dashboard = await timed(count, dashboard);
  ctx.results.series = await timed(count, series);
  ctx.results.rawAggregation = await timed(count, raw);
}

function report(ctx, meta) {
  const r = ctx.results;
  const lines = [
    `Analytics benchmark, ${meta.date}`,
    `${meta.cpus} × ${meta.cpuModel}, ${meta.platform}, Node ${meta.node}`,
    `command: ${meta.command}`,
    '',
    'Ingest (points per second)',
    table(
      [
        { what: `API: recordMetrics, ${ctx.opts.apiBatch} a request, ${ctx.opts.senders} at a time`, ...r.apiIngest },
        { what: `internal recorder, ${ctx.opts.batch} a call, ${ctx.opts.senders} at a time`, ...r.recorderIngest },
        { what: `raw MongoDB insertMany of ${ctx.opts.batch}, ${ctx.opts.senders} at a time`, ...r.rawInsert },
      ],
      [
        { title: 'what', get: (x) => x.what },
        { title: 'points', get: (x) => x.points },
        { title: 'seconds', get: (x) => fmt(x.seconds, 1) },
        { title: 'per second', get: (x) => fmt(x.perSecond, 0) },
      ],
    ),
    '',
    `Queries over 7 days of ${ctx.opts.points} points (ms, one at a time)`,
    table(
      [
        { what: 'dashboard(range: LAST_7_DAYS), over HTTP', ...r.dashboard },
        { what: 'metricSeries p95 per hour, over HTTP', ...r.series },
        { what: `raw aggregation per metric and day (${r.rawRows} rows), driver`, ...r.rawAggregation },
      ],
      [
        { title: 'what', get: (x) => x.what },
        { title: 'n', get: (x) => x.n },
        { title: 'p50', get: (x) => fmt(x.p50, 1) },
        { title: 'p99', get: (x) => fmt(x.p99, 1) },
      ],
    ),
    '',
    `run took ${fmt(meta.seconds, 0)} s`,
  ];
  return lines.join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  QUIET = opts.quiet;
  const started = Date.now();
  buildIfNeeded(opts.build, log);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-analytics-'));
  const ctx = { opts, scratch, results: {} };
  const stop = () => stopAll(ctx).finally(() => process.exit(1));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const url = await startApi(ctx);
    const session = await registerWithProject(url, 'Analytics bench');
    await apiIngest(ctx, url, session);
    await recorderIngest(ctx, session);
    await rawInsert(ctx, session);
    await queries(ctx, url, session);
    const meta = runMeta('analytics', started);
    process.stdout.write(`${report(ctx, meta)}\n`);
    if (opts.json) {
      fs.mkdirSync(path.dirname(opts.json), { recursive: true });
      fs.writeFileSync(opts.json, JSON.stringify({ meta, opts, results: ctx.results }, null, 2));
    }
  } catch (error) {
    process.stderr.write(`[bench:analytics] failed: ${error.stack ?? error}\n`);
    if (ctx.apiTail) process.stderr.write(`API output:\n  ${ctx.apiTail.join('\n  ')}\n`);
    process.exitCode = 1;
  } finally {
    await stopAll(ctx);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main();
