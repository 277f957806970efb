#!/usr/bin/env node
'use strict';

/**
 * Builds benchmark (`npm run bench:builds`): how many no-op builds the workers finish per minute,
 * how long a log line takes from the build's process to a subscriber, and how many lines per second
 * one build's log reaches 1,000 subscribers with. Each figure is printed beside a baseline measured
 * in the same run on the same machine. See docs/benchmarks.md, "Builds".
 *
 * What it does:
 *   1. builds dist/ (`npx tsc -p tsconfig.build.json`) when it is missing or older than src/, and
 *      the bare fan-out server (`npx tsc -p bench/tsconfig.json`) likewise;
 *   2. starts an embedded MongoDB (mongo-java-server, in memory) and Redis, the real API
 *      (`node dist/main.js`, NODE_ENV=production, PROCESS_ROLE=api) and one worker (the same entry,
 *      PROCESS_ROLE=worker, sandbox on, local repositories allowed), each a child process; creates a
 *      git repository (index.html and bench/builds/emit.js), a user and projects through GraphQL;
 *   3. throughput: with 1, then 2 worker processes, queues a few warm-up builds, then `--builds`
 *      no-op builds at once through `createBuild`, spread over `--projects` projects (each allows
 *      20 builds at a time), and waits for them. A no-op build checks the repository out, runs
 *      `true` in the sandbox as its build command and deploys the checkout (`.`). Every build must
 *      succeed. builds/min = builds / (last finished − first queued);
 *   4. log latency, at each of `--rates`: a build runs `node emit.js --rate=R` for `--latency-seconds`,
 *      each line stamped with the monotonic clock when written, and a client process follows it
 *      with `buildLogs(buildId, afterSeq: 0)` over graphql-ws on the API process (the worker is
 *      another process); beside it, the same lines at the same rate go straight from an ioredis
 *      publisher process to an ioredis subscriber (bench/builds/redis-emit.js). p50/p99 of each line's
 *      delay, and every line must arrive once, in order;
 *   5. fan-out: `--subscribers` graphql-ws subscriptions to one build's log, spread over `--clients`
 *      client processes, while the build writes `--fanout-lines` lines at each of `--fanout-rates`
 *      (at 1,000 lines/s the worker publishes about 100 lines a message, at 10,000 1,000); beside
 *      it, the bare server (bench/builds/bare-fanout-server.ts: graphql-ws + ws + the same types,
 *      fed by Redis) gets the same subscriptions and, on its Redis channel, the very messages the
 *      real worker published (recorded from a warm-up build), with the same timing. Delivered
 *      lines/s = subscribers × lines / (last subscriber's last line − first line published). Rounds
 *      alternate the order (bare → real, then real → bare);
 *   6. prints the figures and stops every child. Exits 1 when any build did not succeed or any
 *      subscriber missed, repeated or reordered a line: the figures are then not valid.
 *
 * Usage: node bench/builds/run.js [options]      (npm run bench:builds -- [options])
 *   --parts=LIST          throughput,latency,fanout (default: all three)
 *   --builds=N            measured no-op builds per worker count        (default 100)
 *   --warmup-builds=N     warm-up builds before each worker count        (default 6)
 *   --projects=N          projects the no-op builds are spread over      (default 4)
 *   --concurrency=N       BUILD_CONCURRENCY of each worker (default: the application's, 2)
 *   --rates=LIST          log latency: lines per second                  (default 1000,10000)
 *   --latency-seconds=S   log latency: seconds the build writes          (default 10)
 *   --latency-rounds=N    log latency: runs per rate and path            (default 1)
 *   --subscribers=N       fan-out: subscriptions to the one build        (default 1000)
 *   --fanout-lines=N      fan-out: lines the build writes                (default 3000)
 *   --fanout-rates=LIST   fan-out: lines per second it writes them at    (default 1000,10000)
 *   --fanout-rounds=N     fan-out: measured runs per server              (default 2)
 *   --clients=N           subscriber processes                           (default 2)
 *   --build / --no-build  always / never run tsc (default: only when outputs are stale)
 *   --api-entry=FILE      entry of the API and worker (default dist/main.js), e.g. a scratch build
 *   --profile[=DIR]       CPU-profile the API and the bare server during measured fan-out runs
 *                         (default bench/profiles); summarise with bench/api/profile-summary.js
 *   --wait-idle[=C]       before each measured run, wait (up to 10 min) until the machine, our idle
 *                         servers included, uses less than C cores (default 0.5)
 *   --json=FILE           also write the raw figures as JSON
 *   --quiet               no progress lines on stderr
 */

const { fork, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { Redis } = require('ioredis');
const { startMongo, startRedis, getFreePort, ensureSystemPackages } = require('../../tools/embedded-servers');

const ROOT = path.resolve(__dirname, '..', '..');
const BENCH_DIR = path.resolve(__dirname, '..');
const BARE_SOURCE = path.join(__dirname, 'bare-fanout-server.ts');
const BARE_ENTRY = path.join(BENCH_DIR, 'dist', 'builds', 'bare-fanout-server.js');
const CLIENT = path.join(__dirname, 'client.js');
const REDIS_EMIT = path.join(__dirname, 'redis-emit.js');
const EMIT = path.join(__dirname, 'emit.js');
const PROFILE_HOOK = path.join(BENCH_DIR, 'api', 'cpu-profile-hook.js');
const ENCRYPTION_KEYS = `bench:${require('node:crypto').randomBytes(32).toString('base64')}`;
const {
  CLK_TCK,
  newestMtime,
  mtime,
  machineBusySeconds,
  sleep,
  httpOk,
  graphql,
  pct,
  percentile,
  table,
  runMeta,
  git,
  benchApiEnv,
} = require('../support');
const REDIS_PREFIX = 'slipway-bench-builds';
const BARE_CHANNEL_PREFIX = 'bench-bare:build-log:';
const LINE_SIZE = 100;
const FINISHED = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELED'];

// ---------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const num = (v, name) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${v}"`);
    return Math.round(n);
  };
  const list = (v, allowed) => {
    const items = String(v)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0 || (allowed && items.some((i) => !allowed.includes(i)))) {
      throw new Error(`expected a list of ${allowed ? allowed.join(', ') : 'values'}, got "${v}"`);
    }
    return items;
  };
  const opts = {
    parts: ['throughput', 'latency', 'fanout'],
    builds: 100,
    warmupBuilds: 6,
    projects: 4,
    concurrency: null,
    rates: [1000, 10000],
    latencySeconds: 10,
    latencyRounds: 1,
    subscribers: 1000,
    fanoutLines: 3000,
    fanoutRates: [1000, 10000],
    fanoutRounds: 2,
    clients: 2,
    build: 'auto',
    apiEntry: path.join(ROOT, 'dist', 'main.js'),
    profileDir: null,
    waitIdle: null,
    json: null,
    quiet: false,
  };
  for (const arg of argv) {
    const [key, value] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    switch (key) {
      case '--parts':
        opts.parts = list(value, ['throughput', 'latency', 'fanout']);
        break;
      case '--builds':
        opts.builds = num(value, key);
        break;
      case '--warmup-builds':
        opts.warmupBuilds = Number(value) === 0 ? 0 : num(value, key);
        break;
      case '--projects':
        opts.projects = num(value, key);
        break;
      case '--concurrency':
        opts.concurrency = num(value, key);
        break;
      case '--rates':
        opts.rates = list(value).map((r) => num(r, key));
        break;
      case '--latency-seconds':
        opts.latencySeconds = num(value, key);
        break;
      case '--latency-rounds':
        opts.latencyRounds = num(value, key);
        break;
      case '--subscribers':
        opts.subscribers = num(value, key);
        break;
      case '--fanout-lines':
        opts.fanoutLines = num(value, key);
        break;
      case '--fanout-rates':
        opts.fanoutRates = list(value).map((r) => num(r, key));
        break;
      case '--fanout-rounds':
        opts.fanoutRounds = num(value, key);
        break;
      case '--clients':
        opts.clients = num(value, key);
        break;
      case '--build':
        opts.build = 'always';
        break;
      case '--no-build':
        opts.build = 'never';
        break;
      case '--api-entry':
        opts.apiEntry = path.resolve(String(value));
        break;
      case '--profile':
        opts.profileDir = path.resolve(value || path.join(BENCH_DIR, 'profiles'));
        break;
      case '--wait-idle':
        opts.waitIdle = value === undefined ? 0.5 : Number(value);
        if (!Number.isFinite(opts.waitIdle) || opts.waitIdle <= 0)
          throw new Error('--wait-idle takes a number of cores');
        break;
      case '--json':
        opts.json = path.resolve(String(value));
        break;
      case '--quiet':
        opts.quiet = true;
        break;
      case '-h':
      case '--help': {
        const header = fs.readFileSync(__filename, 'utf8').split('\n');
        const start = header.findIndex((l) => l.includes('Usage:'));
        const end = header.findIndex((l, i) => i > start && l.startsWith(' */'));
        process.stdout.write(
          `${header
            .slice(start, end)
            .map((l) => l.replace(/^ \* ?/, ''))
            .join('\n')}\n`,
        );
        process.exit(0);
      }
      // eslint-disable-next-line no-fallthrough
      default:
        throw new Error(`unknown option ${arg} (see --help)`);
    }
  }
  // A build keeps at most 200,000 lines (src/builds/build-logs.service.ts).
  for (const rate of opts.rates) {
    if (rate * opts.latencySeconds > 190_000)
      throw new Error('--rates × --latency-seconds must stay under 190,000 lines');
  }
  if (opts.fanoutLines > 190_000) throw new Error('--fanout-lines must stay under 190,000');
  opts.clients = Math.min(opts.clients, opts.subscribers);
  return opts;
}

let QUIET = false;
const log = (msg) => {
  if (!QUIET) process.stderr.write(`[bench:builds] ${msg}\n`);
};

// ---------------------------------------------------------------------------
// Build

function tsc(project) {
  log(`building: npx tsc -p ${project}`);
  const res = spawnSync('npx', ['tsc', '-p', project], { cwd: ROOT, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`npx tsc -p ${project} failed (exit ${res.status})`);
}

function buildIfNeeded(mode) {
  if (mode === 'never') return;
  const defaultEntry = path.join(ROOT, 'dist', 'main.js');
  const srcNewest = newestMtime(path.join(ROOT, 'src'), (p) => p.endsWith('.ts') && !p.endsWith('.spec.ts'));
  if (mode === 'always' || mtime(defaultEntry) < srcNewest) tsc('tsconfig.build.json');
  const bareNewest = Math.max(
    mtime(BARE_SOURCE),
    mtime(path.join(BENCH_DIR, 'tsconfig.json')),
    mtime(path.join(ROOT, 'tsconfig.json')),
  );
  if (mode === 'always' || mtime(BARE_ENTRY) < bareNewest) tsc(path.join('bench', 'tsconfig.json'));
}

// ---------------------------------------------------------------------------
// Child processes

const children = new Set();

function killChildren(signal = 'SIGTERM') {
  for (const child of children) {
    try {
      child.process.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Keeps the last lines a child wrote, for the error message when it fails. */
function track(name, child) {
  const handle = { name, process: child, tail: [], exited: null };
  children.add(handle);
  handle.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(handle);
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      children.delete(handle);
      resolve({ code: null, signal: null, error });
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      for (const line of chunk.split('\n')) {
        if (!line) continue;
        handle.tail.push(line);
        if (handle.tail.length > 60) handle.tail.shift();
      }
    });
  }
  return handle;
}

/** Spawns `node [nodeArgs] entry`, resolves once `ready()` does. */
async function startNodeServer(name, { entry, nodeArgs = [], env, ipc = false, ready }) {
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  const handle = track(name, child);
  let exit = null;
  handle.exited.then((e) => {
    exit = e;
  });
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exit) break;
    if (await ready(handle).catch(() => false)) return handle;
    await sleep(100);
  }
  const why = exit
    ? `exited (${exit.error ? exit.error.message : (exit.signal ?? `code ${exit.code}`)})`
    : 'not ready within 90 s';
  throw new Error(`${name} ${why}; last output:\n  ${handle.tail.join('\n  ')}`);
}

async function stopProcess(handle) {
  if (!children.has(handle)) return handle.exited;
  handle.process.kill('SIGTERM');
  const timer = setTimeout(() => handle.process.kill('SIGKILL'), 10_000);
  const res = await handle.exited;
  clearTimeout(timer);
  return res;
}

/** A forked helper (client.js, redis-emit.js) with an IPC channel; `waitFor(type)` awaits a message. */
function forkHelper(name, file) {
  const child = fork(file, [], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env } });
  const handle = track(name, child);
  const inbox = [];
  const waiters = [];
  child.on('message', (message) => {
    const i = waiters.findIndex((w) => w.match(message));
    if (i >= 0) waiters.splice(i, 1)[0].resolve(message);
    else inbox.push(message);
  });
  handle.send = (message) => child.send(message);
  handle.waitFor = (match, timeoutMs, what) => {
    const i = inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: null };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(
          new Error(`${name}: no ${what} within ${Math.round(timeoutMs / 1000)} s\n  ${handle.tail.join('\n  ')}`),
        );
      }, timeoutMs);
      waiter.resolve = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      waiters.push(waiter);
      handle.exited.then((e) => {
        if (!waiters.includes(waiter)) return;
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`${name} exited (${e.signal ?? e.code}) before ${what}\n  ${handle.tail.join('\n  ')}`));
      });
    });
  };
  return handle;
}

/** Sends a command to the CPU-profile hook in a server and waits for its answer. */
function profileCommand(handle, command, answer) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      handle.process.off('message', onMessage);
      reject(new Error(`${handle.name}: no ${answer} from the CPU-profile hook`));
    }, 60_000);
    const onMessage = (message) => {
      if (!message || (message.type !== answer && message.type !== 'cpu-profile:error')) return;
      clearTimeout(timer);
      handle.process.off('message', onMessage);
      if (message.type === 'cpu-profile:error') reject(new Error(`${handle.name}: ${message.message}`));
      else resolve(message);
    };
    handle.process.on('message', onMessage);
    handle.process.send(command);
  });
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc, with those of its children
 * that have ended (a worker's git, sandbox and build commands); null where unavailable.
 */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime (fields 14 to 17)
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat; null elsewhere. */

/** Waits until the machine is below `cores` busy cores for 3 s (at most 10 min). */
async function waitForIdleMachine(cores) {
  const deadline = Date.now() + 10 * 60_000;
  let waited = false;
  while (Date.now() < deadline && !interrupted) {
    const before = machineBusySeconds();
    if (before === null) return;
    await sleep(3000);
    const busy = (machineBusySeconds() - before) / 3;
    if (busy < cores) {
      if (waited) log(`  machine idle again (${busy.toFixed(2)} cores busy)`);
      return;
    }
    if (!waited) log(`  waiting for the machine to go idle (${busy.toFixed(2)} cores busy)`);
    waited = true;
  }
  log('  the machine did not go idle within 10 min; measuring anyway (see the "other CPU" column)');
}

/**
 * CPU used by named groups of processes between `start()` and `stop()`, as shares of one core;
 * `machine` is the whole machine (every core), so `other` is whatever else ran meanwhile.
 */
function cpuMeter(groups) {
  const read = () => {
    const out = {};
    for (const [name, pids] of Object.entries(groups)) {
      const values = pids.filter(Boolean).map(cpuSeconds);
      out[name] = values.some((v) => v === null) ? null : values.reduce((a, b) => a + b, 0);
    }
    out.self = process.cpuUsage();
    out.machine = machineBusySeconds();
    out.at = process.hrtime.bigint();
    return out;
  };
  const before = read();
  return () => {
    const after = read();
    const seconds = Number(after.at - before.at) / 1e9;
    const share = {};
    let known = 0;
    for (const name of Object.keys(groups)) {
      share[name] = before[name] === null || after[name] === null ? null : (after[name] - before[name]) / seconds;
      known += share[name] ?? 0;
    }
    const self = process.cpuUsage(before.self);
    share.runner = (self.user + self.system) / 1e6 / seconds;
    known += share.runner;
    share.other =
      before.machine === null || after.machine === null
        ? null
        : Math.max(0, (after.machine - before.machine) / seconds - known);
    return { seconds, share };
  };
}

// ---------------------------------------------------------------------------
// GraphQL over HTTP (graphql from ../support)

const BUILD_FIELDS = 'id status error queuedAt startedAt finishedAt logLines steps { name durationMs }';

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

// ---------------------------------------------------------------------------
// The benchmark's git repository: index.html and the emitter

function makeRepository(dir) {
  fs.mkdirSync(dir, { recursive: true });
  git(dir, 'init', '--quiet', '--initial-branch=main');
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>\n<h1>bench:builds</h1>\n');
  fs.copyFileSync(EMIT, path.join(dir, 'emit.js'));
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '-m', 'A static page and the log emitter');
  return dir;
}

// ---------------------------------------------------------------------------
// The go signal: emit.js connects, says "ready", and starts writing when told "go"

function goServer() {
  const server = net.createServer();
  let waiting = null;
  server.on('connection', (socket) => {
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.once('data', () => {
      if (!waiting) return socket.destroy();
      const w = waiting;
      waiting = null;
      w.resolve({ go: () => socket.end('go\n') });
    });
  });
  return {
    listen: () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port))),
    /** Resolves when the build's emitter is connected and waiting. */
    emitter: () =>
      new Promise((resolve, reject) => {
        waiting = { resolve, reject };
      }),
    cancel: (error) => {
      if (waiting) waiting.reject(error);
      waiting = null;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Why recorded worker messages cannot be replayed (lines missing, repeated, no end), or null. */
function recordingProblem(raws) {
  let next = 1;
  for (const raw of raws) {
    const message = JSON.parse(raw);
    for (const line of message.lines) {
      if (line.seq !== next) return `has line ${line.seq} where ${next} was expected`;
      next++;
    }
    if (message.finished) return message.finished.lastSeq === next - 1 ? null : 'ends before its last line';
  }
  return 'has no last message';
}

// ---------------------------------------------------------------------------
// Figures

const fmt = (n, digits = 1) =>
  n === null || n === undefined || Number.isNaN(n) || !Number.isFinite(n) ? '-' : n.toFixed(digits);

function describe(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN,
  };
}

// ---------------------------------------------------------------------------
// The benchmark

class Bench {
  constructor(opts) {
    this.opts = opts;
    this.problems = [];
    this.results = { throughput: [], latency: [], fanout: [] };
    this.workers = [];
    this.clients = [];
    this.runs = 0;
  }

  /** With --wait-idle, waits for a quiet machine before a measured run. */
  async waitIdle() {
    if (this.opts.waitIdle !== null) await waitForIdleMachine(this.opts.waitIdle);
    checkInterrupted();
  }

  problem(message) {
    this.problems.push(message);
    log(`  PROBLEM: ${message}`);
  }

  env(role, port) {
    return benchApiEnv(
      'builds',
      {
        mongoUri: `${this.mongo.uri}/slipway-bench-builds`,
        redisUrl: this.redis.url,
        port,
        scratch: this.scratch,
        // One key ring for the run's API and workers; production mode requires one.
        keys: ENCRYPTION_KEYS,
      },
      {
        PROCESS_ROLE: role,
        SANDBOX: 'on',
        ALLOW_LOCAL_REPOSITORIES: 'true',
        ...(this.opts.concurrency ? { BUILD_CONCURRENCY: String(this.opts.concurrency) } : {}),
      },
    );
  }

  profiling(label) {
    return this.opts.profileDir
      ? {
          nodeArgs: ['-r', PROFILE_HOOK],
          ipc: true,
          env: { BENCH_CPU_PROFILE_DIR: this.opts.profileDir, BENCH_CPU_PROFILE_LABEL: label },
        }
      : { nodeArgs: [], ipc: false, env: {} };
  }

  async start() {
    this.scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-builds-'));
    ensureSystemPackages();
    log('starting MongoDB and Redis');
    [this.mongo, this.redis] = await Promise.all([startMongo(), startRedis()]);
    this.goServer = goServer();
    this.goPort = await this.goServer.listen();
    const apiPort = await getFreePort();
    const profiling = this.profiling('api');
    log(`starting the API (${path.relative(ROOT, this.opts.apiEntry)}, PROCESS_ROLE=api) and a worker`);
    const [api] = await Promise.all([
      startNodeServer('api', {
        entry: this.opts.apiEntry,
        nodeArgs: profiling.nodeArgs,
        ipc: profiling.ipc,
        env: { ...this.env('api', apiPort), ...profiling.env },
        ready: () => httpOk(`http://127.0.0.1:${apiPort}/healthz`),
      }),
      this.addWorker(),
    ]);
    this.api = api;
    this.apiUrl = `http://127.0.0.1:${apiPort}/graphql`;
    this.apiWs = `ws://127.0.0.1:${apiPort}/graphql`;

    this.repository = makeRepository(path.join(this.scratch, 'repository'));
    const email = `bench-${Date.now().toString(36)}@example.test`;
    const reg = await graphql(
      this.apiUrl,
      'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }',
      { input: { email, name: 'Bench User', password: 'benchmark-password-1' } },
    );
    this.token = reg.register.accessToken;
    log(`registered ${email}; repository ${this.repository}`);
  }

  async addWorker() {
    const n = this.workers.length + 1;
    const port = await getFreePort();
    const handle = await startNodeServer(`worker-${n}`, {
      entry: this.opts.apiEntry,
      env: this.env('worker', port),
      ready: () => httpOk(`http://127.0.0.1:${port}/healthz`),
    });
    this.workers.push(handle);
    return handle;
  }

  async createProject(name, settings) {
    const project = await graphql(
      this.apiUrl,
      'mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }',
      { input: { name } },
      this.token,
    );
    const id = project.createProject.id;
    // The log builds may wait a while for a quiet machine (--wait-idle) before they write.
    await this.updateSettings(id, {
      repositoryUrl: this.repository,
      outputDirectory: '.',
      timeoutSeconds: 1800,
      ...settings,
    });
    return id;
  }

  updateSettings(projectId, settings) {
    return graphql(
      this.apiUrl,
      'mutation ($input: UpdateBuildSettingsInput!) { updateBuildSettings(input: $input) { projectId } }',
      { input: { projectId, ...settings } },
      this.token,
    );
  }

  async createBuild(projectId) {
    const data = await graphql(
      this.apiUrl,
      'mutation ($input: CreateBuildInput!) { createBuild(input: $input) { id } }',
      { input: { projectId } },
      this.token,
    );
    return data.createBuild.id;
  }

  async getBuild(id) {
    return (await graphql(this.apiUrl, `query ($id: ID!) { build(id: $id) { ${BUILD_FIELDS} } }`, { id }, this.token))
      .build;
  }

  /** Waits until every build in `ids` (of `projectIds`) has finished; returns their records. */
  async waitForBuilds(ids, projectIds, timeoutMs) {
    const wanted = new Set(ids);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = new Map();
      for (const projectId of projectIds) {
        let after = null;
        for (;;) {
          const data = await graphql(
            this.apiUrl,
            `query ($projectId: ID!, $after: String) {
              builds(projectId: $projectId, first: 100, after: $after) {
                edges { node { ${BUILD_FIELDS} } } pageInfo { hasNextPage endCursor }
              }
            }`,
            { projectId, after },
            this.token,
          );
          for (const { node } of data.builds.edges) if (wanted.has(node.id)) found.set(node.id, node);
          if (!data.builds.pageInfo.hasNextPage || found.size === wanted.size) break;
          after = data.builds.pageInfo.endCursor;
        }
      }
      const records = [...found.values()];
      if (records.length === wanted.size && records.every((b) => FINISHED.includes(b.status))) return records;
      if (Date.now() > deadline) {
        const counts = {};
        for (const b of records) counts[b.status] = (counts[b.status] ?? 0) + 1;
        throw new Error(`builds not finished within ${timeoutMs / 1000} s: ${JSON.stringify(counts)}`);
      }
      await sleep(500);
    }
  }

  // -------------------------------------------------------------------------
  // 1. Throughput

  async throughput() {
    const opts = this.opts;
    const projects = [];
    for (let i = 0; i < opts.projects; i++) {
      const id = await this.createProject(`No-op ${i + 1}`, { buildCommand: 'true' });
      await graphql(
        this.apiUrl,
        'mutation ($input: UpdateResourceLimitsInput!) { updateResourceLimits(input: $input) { projectId } }',
        { input: { projectId: id, concurrentBuilds: 20 } },
        this.token,
      );
      projects.push(id);
    }
    let next = 0;
    const queue = (count) =>
      pool(Array.from({ length: count }), 8, async () => this.createBuild(projects[next++ % projects.length]));

    for (const workerCount of [1, 2]) {
      while (this.workers.length < workerCount) {
        log('starting another worker');
        await this.addWorker();
      }
      if (opts.warmupBuilds > 0) {
        log(`throughput, ${workerCount} worker(s): ${opts.warmupBuilds} warm-up builds`);
        const warm = await this.waitForBuilds(await queue(opts.warmupBuilds), projects, 300_000);
        const bad = warm.filter((b) => b.status !== 'SUCCEEDED');
        if (bad.length > 0) this.problem(`warm-up build ${bad[0].id} ended ${bad[0].status}: ${bad[0].error}`);
      }
      await this.waitIdle();
      log(`throughput, ${workerCount} worker(s): ${opts.builds} builds`);
      const meter = cpuMeter({
        api: [this.api.process.pid],
        workers: this.workers.map((w) => w.process.pid),
        mongo: [this.mongo.pid],
        redis: [this.redis.pid],
      });
      const ids = await queue(opts.builds);
      const records = await this.waitForBuilds(ids, projects, 600_000);
      const cpu = meter();
      const failed = records.filter((b) => b.status !== 'SUCCEEDED');
      for (const b of failed.slice(0, 3)) this.problem(`build ${b.id} ended ${b.status}: ${b.error}`);
      if (failed.length > 3) this.problem(`… and ${failed.length - 3} more builds did not succeed`);
      const t = (s) => Date.parse(s);
      const firstQueued = Math.min(...records.map((b) => t(b.queuedAt)));
      const lastFinished = Math.max(...records.filter((b) => b.finishedAt).map((b) => t(b.finishedAt)));
      const windowS = (lastFinished - firstQueued) / 1000;
      const step = (name) =>
        describe(
          records.flatMap((b) =>
            b.steps.filter((s) => s.name === name && s.durationMs !== null).map((s) => s.durationMs),
          ),
        );
      const result = {
        workers: workerCount,
        concurrency: opts.concurrency ?? 2,
        builds: records.length,
        succeeded: records.length - failed.length,
        seconds: windowS,
        perMinute: ((records.length - failed.length) * 60) / windowS,
        duration: describe(
          records.filter((b) => b.startedAt && b.finishedAt).map((b) => t(b.finishedAt) - t(b.startedAt)),
        ),
        wait: describe(records.filter((b) => b.startedAt).map((b) => t(b.startedAt) - t(b.queuedAt))),
        steps: { checkout: step('checkout'), build: step('build'), package: step('package') },
        cpu: cpu.share,
      };
      this.results.throughput.push(result);
      log(
        `  ${fmt(result.perMinute, 0)} builds/min (${result.succeeded}/${result.builds} succeeded in ${fmt(windowS, 1)} s), ` +
          `build p50 ${fmt(result.duration.p50, 0)} ms, workers CPU ${pct(cpu.share.workers)}, MongoDB ${pct(cpu.share.mongo)}`,
      );
    }
    while (this.workers.length > 1) await stopProcess(this.workers.pop());
  }

  // -------------------------------------------------------------------------
  // Subscriber processes

  async ensureClients(count) {
    while (this.clients.length < count) {
      const client = forkHelper(`client-${this.clients.length + 1}`, CLIENT);
      this.clients.push(client);
    }
  }

  /** Starts `count` subscriptions spread over the client processes; returns the run's promises. */
  follow(spec, count, clientCount) {
    const run = ++this.runs;
    const used = this.clients.slice(0, clientCount);
    const shares = used.map((_, i) => Math.floor(count / used.length) + (i < count % used.length ? 1 : 0));
    const timeout = spec.timeoutMs ?? 600_000;
    const ready = Promise.all(
      used.map((c) => c.waitFor((m) => m.type === 'ready' && m.run === run, timeout, 'ready subscriptions')),
    );
    const results = Promise.all(
      used.map((c) => c.waitFor((m) => m.type === 'result' && m.run === run, timeout, 'end of the subscriptions')),
    );
    // Nobody may be left waiting on a rejected promise before the caller awaits it.
    ready.catch(() => undefined);
    results.catch(() => undefined);
    used.forEach((c, i) => c.send({ type: 'follow', run, ...spec, count: shares[i] }));
    return { run, ready, results, pids: used.map((c) => c.process.pid) };
  }

  /** Queues a build of `projectId` and waits until its emitter asks to go (failing if the build ends first). */
  async startEmittingBuild(projectId, onCreated = async () => undefined) {
    const emitter = this.goServer.emitter();
    const buildId = await this.createBuild(projectId);
    await onCreated(buildId);
    let done = false;
    const watch = (async () => {
      while (!done) {
        await sleep(1000);
        if (done) return;
        const build = await this.getBuild(buildId);
        if (FINISHED.includes(build.status)) {
          this.goServer.cancel(new Error(`build ${buildId} ended ${build.status} before emitting: ${build.error}`));
          return;
        }
      }
    })();
    const timer = setTimeout(
      () => this.goServer.cancel(new Error(`build ${buildId}: the emitter did not start within 120 s`)),
      120_000,
    );
    try {
      const handle = await emitter;
      return { buildId, go: handle.go };
    } finally {
      clearTimeout(timer);
      done = true;
      await watch.catch(() => undefined);
    }
  }

  /** Waits for the build to end (its subscribers may have stopped early) and checks it SUCCEEDED. */
  async checkBuild(buildId, what) {
    const deadline = Date.now() + 300_000;
    let build = await this.getBuild(buildId);
    while (!FINISHED.includes(build.status) && Date.now() < deadline) {
      await sleep(500);
      build = await this.getBuild(buildId);
    }
    if (build.status !== 'SUCCEEDED') this.problem(`${what}: build ${buildId} ended ${build.status}: ${build.error}`);
    return build;
  }

  checkResults(results, expectedEmitted, what) {
    const failed = results.reduce((a, r) => a + r.failed, 0);
    const errors = [...new Set(results.flatMap((r) => r.errors))];
    const subscribers = results.reduce((a, r) => a + r.subscribers, 0);
    const emitted = results.reduce((a, r) => a + r.emitted, 0);
    const lines = results.reduce((a, r) => a + r.lines, 0);
    if (failed > 0) {
      this.problem(`${what}: ${failed} subscription(s) failed: ${errors.join('; ')}`);
      return { failed, subscribers, emitted, lines };
    }
    const done = [...new Set(results.flatMap((r) => r.emittedDone))];
    if (done.length !== 1 || done[0] !== expectedEmitted) {
      this.problem(`${what}: the emitter reported ${done.join(', ')} lines, ${expectedEmitted} expected`);
    }
    if (emitted !== subscribers * expectedEmitted) {
      this.problem(`${what}: ${emitted} emitted lines received, ${subscribers * expectedEmitted} expected`);
    }
    return { failed, subscribers, emitted, lines };
  }

  // -------------------------------------------------------------------------
  // 2. Log latency

  async latency() {
    const opts = this.opts;
    await this.ensureClients(1);
    const project = await this.createProject('Log latency', {});
    for (const rate of opts.rates) {
      const lines = rate * opts.latencySeconds;
      for (let round = 1; round <= opts.latencyRounds; round++) {
        const order = round % 2 === 1 ? ['redis', 'real'] : ['real', 'redis'];
        for (const target of order) {
          log(`log latency, ${rate} lines/s, round ${round}: ${target === 'real' ? 'real path' : 'bare Redis'}`);
          const run =
            target === 'real' ? await this.latencyReal(project, rate, lines) : await this.latencyRedis(rate, lines);
          const total = describe(run.samples.total.map((us) => us / 1000));
          const result = {
            target,
            rate,
            round,
            lines,
            received: run.checked.emitted,
            failed: run.checked.failed,
            total,
            worker: target === 'real' ? describe(run.samples.worker) : null,
            after: target === 'real' ? describe(run.samples.after) : null,
            bytes: run.bytes,
            batches: run.batches,
            cpu: run.cpu.share,
          };
          this.results.latency.push(result);
          log(
            `  p50 ${fmt(total.p50, 2)} ms, p99 ${fmt(total.p99, 2)} ms, max ${fmt(total.max, 1)} ms; ` +
              `${result.received}/${lines} lines` +
              (result.worker
                ? `; worker side p50 ${fmt(result.worker.p50, 0)} ms, then p50 ${fmt(result.after.p50, 0)} ms`
                : ''),
          );
        }
      }
    }
  }

  async latencyReal(project, rate, lines) {
    await this.updateSettings(project, {
      buildCommand: `node emit.js --rate=${rate} --lines=${lines} --go=${this.goPort}`,
    });
    const { buildId, go } = await this.startEmittingBuild(project);
    // The lines written before the command (checkout, detection) are stored within 100 ms.
    await sleep(300);
    const follow = this.follow(
      { transport: 'graphql-ws', url: this.apiWs, token: this.token, buildId, afterSeq: 0, latency: true },
      1,
      1,
    );
    await follow.ready;
    await this.waitIdle();
    const meter = cpuMeter({
      api: [this.api.process.pid],
      worker: [this.workers[0].process.pid],
      mongo: [this.mongo.pid],
      redis: [this.redis.pid],
      client: follow.pids,
    });
    go();
    const [result] = await follow.results;
    const cpu = meter();
    await this.checkBuild(buildId, `log latency ${rate} lines/s`);
    const checked = this.checkResults([result], lines, `log latency ${rate} lines/s (real)`);
    return { samples: result.samples, checked, bytes: result.bytes, batches: result.batches, cpu };
  }

  async latencyRedis(rate, lines) {
    const emitter = forkHelper('redis-emit', REDIS_EMIT);
    try {
      const channel = `${BARE_CHANNEL_PREFIX}latency-${this.runs + 1}`;
      emitter.send({ type: 'prepare', url: this.redis.url, channel, rate, lines, size: LINE_SIZE });
      await emitter.waitFor((m) => m.type === 'prepared', 30_000, 'connection to Redis');
      const follow = this.follow(
        { transport: 'redis', url: this.redis.url, channel, afterSeq: 0, latency: true },
        1,
        1,
      );
      await follow.ready;
      await this.waitIdle();
      const meter = cpuMeter({
        publisher: [emitter.process.pid],
        redis: [this.redis.pid],
        client: follow.pids,
      });
      emitter.send({ type: 'go' });
      const [result] = await follow.results;
      const cpu = meter();
      const checked = this.checkResults([result], lines, `log latency ${rate} lines/s (bare Redis)`);
      return { samples: result.samples, checked, bytes: result.bytes, batches: result.batches, cpu };
    } finally {
      await stopProcess(emitter);
    }
  }

  // -------------------------------------------------------------------------
  // 3. Fan-out

  async fanout() {
    const opts = this.opts;
    await this.ensureClients(opts.clients);
    const barePort = await getFreePort();
    const profiling = this.profiling('bare');
    this.bare = await startNodeServer('bare', {
      entry: BARE_ENTRY,
      nodeArgs: profiling.nodeArgs,
      ipc: profiling.ipc,
      env: {
        ...process.env,
        ...profiling.env,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(barePort),
        REDIS_URL: this.redis.url,
        CHANNEL_PREFIX: BARE_CHANNEL_PREFIX,
      },
      ready: (h) => Promise.resolve(h.tail.some((l) => l.startsWith('BARE_LISTENING'))),
    });
    this.bareUrl = `http://127.0.0.1:${barePort}`;
    this.publisher = new Redis(this.redis.url);
    this.project = await this.createProject('Log fan-out', {});
    for (const rate of opts.fanoutRates) await this.fanoutAt(rate);
  }

  /** Warm-ups, then alternating rounds of the real API and the bare server, with the build writing at `rate`. */
  async fanoutAt(rate) {
    const opts = this.opts;
    await this.updateSettings(this.project, {
      buildCommand: `node emit.js --rate=${rate} --lines=${opts.fanoutLines} --go=${this.goPort}`,
    });
    log(
      `fan-out, ${rate} lines/s: warm-up build followed by ${opts.subscribers} subscribers ` +
        '(the messages it publishes are replayed on the bare server)',
    );
    const warm = await this.fanoutReal();
    this.recording = warm.recording;
    log(`  ${fmt(warm.linesPerSecond, 0)} lines/s delivered (warm-up, not reported)`);
    log(`fan-out, ${rate} lines/s: warm-up of the bare server`);
    const bareWarm = await this.fanoutBare();
    log(`  ${fmt(bareWarm.linesPerSecond, 0)} lines/s delivered (warm-up, not reported)`);
    for (let round = 1; round <= opts.fanoutRounds; round++) {
      const order = round % 2 === 1 ? ['bare', 'real'] : ['real', 'bare'];
      for (const target of order) {
        log(`fan-out, ${rate} lines/s, round ${round}: ${target}`);
        const server = target === 'real' ? this.api : this.bare;
        let profile = null;
        // Profiled from the first line to the last, not while 1,000 subscribers connect.
        const hooks = {
          beforeGo: async () => {
            await this.waitIdle();
            if (opts.profileDir) await profileCommand(server, 'cpu-profile:start', 'cpu-profile:started');
          },
          afterRun: async () => {
            if (!opts.profileDir) return;
            ({ file: profile } = await profileCommand(server, 'cpu-profile:stop', 'cpu-profile:written'));
            log(`  CPU profile: ${path.relative(process.cwd(), profile)}`);
          },
        };
        const run = target === 'real' ? await this.fanoutReal(hooks) : await this.fanoutBare(hooks);
        if (profile) run.profile = profile;
        delete run.recording;
        run.round = round;
        run.rate = rate;
        this.results.fanout.push(run);
        log(
          `  ${fmt(run.linesPerSecond, 0)} lines/s delivered, last subscriber after ${fmt(run.seconds, 2)} s, ` +
            `server CPU ${pct(run.cpu.server)}, clients ${pct(run.cpu.clients)}`,
        );
      }
    }
  }

  /** One build followed by every subscriber through the real API; records what the worker published. */
  async fanoutReal(hooks = {}) {
    const opts = this.opts;
    const recorder = new Redis(this.redis.url);
    const recording = [];
    let firstLineAt = null;
    recorder.on('message', (_channel, raw) => {
      const at = process.hrtime.bigint();
      if (firstLineAt === null && raw.includes('"bench-line ')) firstLineAt = at;
      recording.push({ at, raw });
    });
    try {
      // Subscribed before the build starts, so the recording holds every message it publishes.
      const { buildId, go } = await this.startEmittingBuild(this.project, (id) =>
        recorder.subscribe(`${REDIS_PREFIX}:events:build-log:${id}`),
      );
      await sleep(300);
      const follow = this.follow(
        { transport: 'graphql-ws', url: this.apiWs, token: this.token, buildId, afterSeq: 0, latency: false },
        opts.subscribers,
        opts.clients,
      );
      await follow.ready;
      if (hooks.beforeGo) await hooks.beforeGo();
      const meter = cpuMeter({
        server: [this.api.process.pid],
        worker: [this.workers[0].process.pid],
        mongo: [this.mongo.pid],
        redis: [this.redis.pid],
        clients: follow.pids,
      });
      const goAt = process.hrtime.bigint();
      go();
      const results = await follow.results;
      const cpu = meter();
      if (hooks.afterRun) await hooks.afterRun();
      await this.checkBuild(buildId, 'fan-out');
      const checked = this.checkResults(results, opts.fanoutLines, 'fan-out (real)');
      // The recorder hears the last message when the API does, which has passed it on by now.
      for (let i = 0; i < 20 && !recording.some((m) => m.raw.includes('"finished":{')); i++) await sleep(100);
      const recorded = recordingProblem(recording.map((m) => m.raw));
      if (recorded) this.problem(`fan-out: the recording of the real build ${recorded}`);
      return this.fanoutFigures('real', results, checked, firstLineAt, cpu, {
        recording: recording.map((m) => ({ offsetNs: Number(m.at - goAt), raw: m.raw })),
        messages: recording.length,
      });
    } finally {
      recorder.disconnect();
    }
  }

  /** The recorded messages replayed on the bare server's channel, with the same subscriptions. */
  async fanoutBare(hooks = {}) {
    const opts = this.opts;
    const buildId = `fanout-${this.runs + 1}`;
    const channel = `${BARE_CHANNEL_PREFIX}${buildId}`;
    const follow = this.follow(
      {
        transport: 'graphql-ws',
        url: this.bareUrl.replace(/^http/, 'ws') + '/graphql',
        buildId,
        afterSeq: 0,
        latency: false,
      },
      opts.subscribers,
      opts.clients,
    );
    // Every subscription must follow the channel before the first message, which is what lets
    // each of them receive something and count as ready.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { subscribers } = await (await fetch(`${this.bareUrl}/subscribers`)).json();
      if (subscribers >= opts.subscribers) break;
      if (Date.now() > deadline)
        throw new Error(`bare server: ${subscribers}/${opts.subscribers} subscriptions after 120 s`);
      await sleep(100);
    }
    const before = this.recording.filter((m) => m.offsetNs < 0);
    const after = this.recording.filter((m) => m.offsetNs >= 0);
    for (const m of before) await this.publisher.publish(channel, m.raw);
    await follow.ready;
    if (hooks.beforeGo) await hooks.beforeGo();
    const meter = cpuMeter({
      server: [this.bare.process.pid],
      redis: [this.redis.pid],
      clients: follow.pids,
    });
    const goAt = process.hrtime.bigint();
    let firstLineAt = null;
    for (const m of after) {
      const wait = Number(goAt + BigInt(m.offsetNs) - process.hrtime.bigint()) / 1e6;
      if (wait > 1) await sleep(wait);
      if (firstLineAt === null && m.raw.includes('"bench-line ')) firstLineAt = process.hrtime.bigint();
      await this.publisher.publish(channel, m.raw);
    }
    const results = await follow.results;
    const cpu = meter();
    if (hooks.afterRun) await hooks.afterRun();
    const checked = this.checkResults(results, opts.fanoutLines, 'fan-out (bare)');
    return this.fanoutFigures('bare', results, checked, firstLineAt, cpu, { messages: this.recording.length });
  }

  fanoutFigures(target, results, checked, firstLineAt, cpu, extra) {
    const lastDone = results.reduce((max, r) => (BigInt(r.lastDoneAt) > max ? BigInt(r.lastDoneAt) : max), 0n);
    const firstDone = results.reduce(
      (min, r) =>
        r.firstDoneAt !== null && (min === null || BigInt(r.firstDoneAt) < min) ? BigInt(r.firstDoneAt) : min,
      null,
    );
    const seconds = firstLineAt === null ? NaN : Number(lastDone - firstLineAt) / 1e9;
    const bytes = results.reduce((a, r) => a + r.bytes, 0);
    const batches = results.reduce((a, r) => a + r.batches, 0);
    return {
      target,
      subscribers: checked.subscribers,
      linesPerSubscriber: this.opts.fanoutLines,
      delivered: checked.emitted,
      failed: checked.failed,
      seconds,
      firstSubscriberSeconds: firstDone === null || firstLineAt === null ? NaN : Number(firstDone - firstLineAt) / 1e9,
      linesPerSecond: checked.emitted / seconds,
      bytesPerLine: bytes / checked.lines,
      batchesPerSubscriber: batches / checked.subscribers,
      // The figure least affected by other work on the machine: the server's CPU time per line delivered.
      serverUsPerLine: cpu.share.server === null ? NaN : (cpu.share.server * cpu.seconds * 1e6) / checked.emitted,
      cpu: cpu.share,
      ...extra,
    };
  }

  async stop() {
    if (this.clients.length > 0) {
      for (const c of this.clients) if (c.process.connected) c.send({ type: 'close' });
      await Promise.all(this.clients.map((c) => Promise.race([c.exited, sleep(5000)])));
    }
    if (this.publisher) this.publisher.disconnect();
    await Promise.all([...children].map(stopProcess));
    killChildren('SIGKILL');
    if (this.goServer) await this.goServer.close();
    await Promise.all([this.mongo?.stop(), this.redis?.stop()]);
    if (this.scratch) fs.rmSync(this.scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Report

function report(bench, meta) {
  const { throughput, latency, fanout } = bench.results;
  const out = [];
  out.push('');
  out.push(`bench:builds  ${meta.date}`);
  out.push(`machine: ${meta.cpus} CPUs (${meta.cpuModel}), node ${meta.node}, ${meta.platform}`);
  if (throughput.length > 0) {
    out.push('');
    out.push(
      `Throughput: no-op builds (checkout, \`true\` in the sandbox, deployment of the checkout), ` +
        `queued at once over ${bench.opts.projects} projects, BUILD_CONCURRENCY=${throughput[0].concurrency} per worker`,
    );
    out.push(
      table(throughput, [
        { title: 'workers', get: (r) => r.workers },
        { title: 'builds/min', get: (r) => fmt(r.perMinute, 0) },
        { title: 'succeeded', get: (r) => `${r.succeeded}/${r.builds}` },
        { title: 'window s', get: (r) => fmt(r.seconds, 1) },
        { title: 'build p50 ms', get: (r) => fmt(r.duration.p50, 0) },
        { title: 'build p90 ms', get: (r) => fmt(r.duration.p90, 0) },
        { title: 'wait p50 ms', get: (r) => fmt(r.wait.p50, 0) },
        { title: 'checkout p50', get: (r) => fmt(r.steps.checkout.p50, 0) },
        { title: 'build step p50', get: (r) => fmt(r.steps.build.p50, 0) },
        { title: 'package p50', get: (r) => fmt(r.steps.package.p50, 0) },
        { title: 'workers CPU', get: (r) => pct(r.cpu.workers) },
        { title: 'API CPU', get: (r) => pct(r.cpu.api) },
        { title: 'MongoDB CPU', get: (r) => pct(r.cpu.mongo) },
        { title: 'other CPU', get: (r) => pct(r.cpu.other) },
      ]),
    );
    if (throughput.length === 2) {
      out.push(`2 workers / 1 worker: ${fmt(throughput[1].perMinute / throughput[0].perMinute, 2)}x`);
    }
  }
  if (latency.length > 0) {
    out.push('');
    out.push(
      `Log latency: line written by the build's process → line received by a graphql-ws subscriber on another API ` +
        `process (real), or by an ioredis subscriber (bare Redis); ${LINE_SIZE}-byte lines. Aim: p50 <= 5 ms, p99 <= 50 ms, 0 lost.`,
    );
    out.push(
      table(latency, [
        { title: 'lines/s', get: (r) => r.rate },
        { title: 'path', get: (r) => (r.target === 'real' ? 'real' : 'bare Redis') },
        { title: 'round', get: (r) => r.round },
        { title: 'p50 ms', get: (r) => fmt(r.total.p50, 2) },
        { title: 'p90 ms', get: (r) => fmt(r.total.p90, 2) },
        { title: 'p99 ms', get: (r) => fmt(r.total.p99, 2) },
        { title: 'max ms', get: (r) => fmt(r.total.max, 1) },
        { title: 'received', get: (r) => `${r.received}/${r.lines}` },
        { title: 'lost', get: (r) => r.lines - r.received },
        { title: 'to worker p50', get: (r) => (r.worker ? fmt(r.worker.p50, 0) : '-') },
        { title: 'then p50', get: (r) => (r.after ? fmt(r.after.p50, 0) : '-') },
        { title: 'then p99', get: (r) => (r.after ? fmt(r.after.p99, 0) : '-') },
        { title: 'messages', get: (r) => r.batches },
        { title: 'worker CPU', get: (r) => pct(r.cpu.worker) },
        { title: 'MongoDB CPU', get: (r) => pct(r.cpu.mongo) },
        { title: 'other CPU', get: (r) => pct(r.cpu.other) },
      ]),
    );
    out.push(
      '"to worker": written → taken by the worker (the line\'s `at`); "then": `at` → received; both at 1 ms resolution.',
    );
  }
  if (fanout.length > 0) {
    out.push('');
    const f = fanout[0];
    out.push(
      `Fan-out: one build's log (${f.linesPerSubscriber} lines of ${LINE_SIZE} bytes) to ${f.subscribers} graphql-ws ` +
        `subscriptions over ${bench.opts.clients} client process(es); bare = graphql-ws + ws fed, on Redis, the ` +
        'messages the real worker published. lines/s = lines delivered to all subscribers / (last line received ' +
        '− first line published).',
    );
    out.push(
      table(fanout, [
        { title: 'written/s', get: (r) => r.rate },
        { title: 'published', get: (r) => r.messages },
        { title: 'batches/sub', get: (r) => fmt(r.batchesPerSubscriber, 1) },
        { title: 'server', get: (r) => r.target },
        { title: 'round', get: (r) => r.round },
        { title: 'lines/s', get: (r) => fmt(r.linesPerSecond, 0) },
        { title: 'last done s', get: (r) => fmt(r.seconds, 2) },
        { title: 'first done s', get: (r) => fmt(r.firstSubscriberSeconds, 2) },
        { title: 'delivered', get: (r) => r.delivered },
        { title: 'failed', get: (r) => r.failed },
        { title: 'bytes/line', get: (r) => fmt(r.bytesPerLine, 0) },
        { title: 'server CPU', get: (r) => pct(r.cpu.server) },
        { title: 'CPU µs/line', get: (r) => fmt(r.serverUsPerLine, 2) },
        { title: 'worker CPU', get: (r) => pct(r.cpu.worker) },
        { title: 'MongoDB CPU', get: (r) => pct(r.cpu.mongo) },
        { title: 'clients CPU', get: (r) => pct(r.cpu.clients) },
        { title: 'other CPU', get: (r) => pct(r.cpu.other) },
      ]),
    );
    for (const rate of [...new Set(fanout.map((r) => r.rate))]) {
      const runs = fanout.filter((r) => r.rate === rate);
      const mean = (target, key) => {
        const mine = runs.filter((r) => r.target === target);
        return mine.reduce((a, r) => a + r[key], 0) / mine.length;
      };
      const real = mean('real', 'linesPerSecond');
      const bare = mean('bare', 'linesPerSecond');
      const realUs = mean('real', 'serverUsPerLine');
      const bareUs = mean('bare', 'serverUsPerLine');
      const perRound = [];
      for (let i = 1; i <= bench.opts.fanoutRounds; i++) {
        const r = runs.find((x) => x.target === 'real' && x.round === i);
        const b = runs.find((x) => x.target === 'bare' && x.round === i);
        if (r && b) perRound.push(fmt(r.linesPerSecond / b.linesPerSecond, 2));
      }
      out.push(
        `written at ${rate} lines/s: mean lines/s real ${fmt(real, 0)}, bare ${fmt(bare, 0)}, ` +
          `real/bare ${fmt(real / bare, 2)} (per round ${perRound.join(', ')}; aim >= 0.90); ` +
          `server CPU per line real ${fmt(realUs, 2)} µs, bare ${fmt(bareUs, 2)} µs, bare/real ${fmt(bareUs / realUs, 2)}`,
      );
    }
    out.push(
      'bare/real CPU per line is the ratio lines/s would have if each server had a core of its own; ' +
        'it is the figure least affected by other work on the machine.',
    );
  }
  out.push('');
  out.push(
    'CPU columns: share of one core used during the measured run, from /proc; "other" is the rest of the machine.',
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------
// Main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  QUIET = opts.quiet;
  const started = Date.now();
  buildIfNeeded(opts.build);
  if (!fs.existsSync(opts.apiEntry))
    throw new Error(`${opts.apiEntry} does not exist (build with npx tsc -p tsconfig.build.json)`);
  if (opts.parts.includes('fanout') && !fs.existsSync(BARE_ENTRY))
    throw new Error(`${BARE_ENTRY} does not exist (build with npx tsc -p bench/tsconfig.json)`);

  const bench = new Bench(opts);
  current = bench;
  try {
    await bench.start();
    checkInterrupted();
    if (opts.parts.includes('throughput')) await bench.throughput();
    checkInterrupted();
    if (opts.parts.includes('latency')) await bench.latency();
    checkInterrupted();
    if (opts.parts.includes('fanout')) await bench.fanout();
    checkInterrupted();

    const meta = runMeta('builds', started);
    process.stdout.write(`${report(bench, meta)}\n`);
    log(`took ${fmt(meta.seconds, 0)} s`);
    if (opts.json) {
      fs.mkdirSync(path.dirname(opts.json), { recursive: true });
      fs.writeFileSync(
        opts.json,
        `${JSON.stringify({ meta, options: opts, results: bench.results, problems: bench.problems }, null, 2)}\n`,
      );
      log(`wrote ${opts.json}`);
    }
    if (bench.problems.length > 0) {
      process.stderr.write(
        `[bench:builds] FAILED: ${bench.problems.length} problem(s); the figures are not valid:\n  ${bench.problems.join('\n  ')}\n`,
      );
      process.exitCode = 1;
    }
  } finally {
    await bench.stop();
  }
}

let current = null;
let interrupted = false;
function checkInterrupted() {
  if (interrupted) throw new Error('interrupted');
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (interrupted) {
      killChildren('SIGKILL');
      process.exit(130);
    }
    interrupted = true;
    process.exitCode = 130;
    process.stderr.write(`[bench:builds] ${signal}: stopping (again to force)\n`);
    // Whatever main() waits for will not come: stop everything now.
    void (current ? current.stop() : Promise.resolve()).finally(() => process.exit(130));
    setTimeout(() => {
      killChildren('SIGKILL');
      process.exit(130);
    }, 20_000).unref();
  });
}
process.on('exit', () => killChildren('SIGKILL'));

main().catch((error) => {
  if (interrupted) return;
  process.stderr.write(`[bench:builds] ${error && error.stack ? error.stack : error}\n`);
  process.exitCode = 1;
});
