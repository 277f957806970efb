#!/usr/bin/env node
'use strict';

/**
 * API benchmark (`npm run bench:api`): throughput and latency of an authenticated, guarded,
 * audited `project(id)` GraphQL query on the real API, beside a bare NestJS + Apollo server
 * answering the same query with a constant (bench/api/bare-server.ts), measured in the same run
 * on the same machine. See docs/benchmarks.md.
 *
 * What it does:
 *   1. builds dist/ (`npx tsc -p tsconfig.build.json`) when it is missing or older than src/,
 *      and the bare server (`npx tsc -p bench/tsconfig.json`) likewise;
 *   2. starts an embedded MongoDB (mongo-java-server, in memory) and Redis;
 *   3. starts the real API (`node dist/main.js`, NODE_ENV=production, PROCESS_ROLE=api) and the
 *      bare server as separate child processes, each on a free loopback port;
 *   4. registers a user and creates a project through GraphQL, and checks that both servers
 *      answer the benchmark query with that project and no errors;
 *   5. for each round, for each server (the order alternates between rounds): a warm-up run,
 *      then a measured run with autocannon (programmatic, in this process), every response body
 *      checked (`"id":"<project id>"` present, no `"errors"`);
 *   6. prints one row per measured run, the mean per server and the real/bare ratio, then stops
 *      every child. Exits 1 if any measured response was an error, non-2xx or a wrong body.
 *
 * Usage: node bench/api/run.js [options]      (npm run bench:api -- [options])
 *   --duration=S      measured seconds per run             (env BENCH_DURATION,    default 20)
 *   --warmup=S        warm-up seconds before each run      (env BENCH_WARMUP,      default 5)
 *   --connections=N   concurrent connections               (env BENCH_CONNECTIONS, default 100)
 *   --rounds=N        measured runs per server             (env BENCH_ROUNDS,      default 2)
 *   --targets=LIST    bare,real (default) or just one of them
 *   --build / --no-build   always / never run tsc (default: only when outputs are stale)
 *   --api-entry=FILE  real API entry (default dist/main.js), e.g. a scratch build of a variant
 *   --profile[=DIR]   CPU-profile each server during its measured runs (default bench/profiles);
 *                     summarise with `node bench/api/profile-summary.js FILE.cpuprofile`
 *   --wait-idle[=C]   before each run, wait (up to 10 min) until the rest of the machine uses
 *                     less than C cores (default 0.25), so other jobs do not skew the figures
 *   --pin             with taskset: servers on CPU 1, load generator/MongoDB/Redis on CPU 0
 *   --json=FILE       also write the raw figures as JSON
 *   --quiet           no progress lines on stderr
 */

const crypto = require('node:crypto');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { startMongo, startRedis, getFreePort, ensureSystemPackages } = require('../../tools/embedded-servers');
const {
  CLK_TCK,
  newestMtime,
  mtime,
  machineBusySeconds,
  sleep,
  httpOk,
  graphqlResponse,
  pct,
  table,
  runMeta,
} = require('../support');

const ROOT = path.resolve(__dirname, '..', '..');
const BENCH_DIR = path.resolve(__dirname, '..');
const BARE_SOURCE = path.join(__dirname, 'bare-server.ts');
const BARE_ENTRY = path.join(BENCH_DIR, 'dist', 'api', 'bare-server.js');
const PROFILE_HOOK = path.join(__dirname, 'cpu-profile-hook.js');

// Same name, slug and description as BARE_PROJECT in bare-server.ts, so bodies have equal sizes.
const PROJECT_INPUT = {
  name: 'Benchmark project',
  slug: 'benchmark-project',
  description: 'Created by bench/api/run.js',
};
const SELECTION = 'id name slug description ownerId createdAt updatedAt';

// ---------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const env = process.env;
  const num = (v, name) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${v}"`);
    return n;
  };
  const opts = {
    duration: num(env.BENCH_DURATION ?? 20, 'BENCH_DURATION'),
    warmup: Number(env.BENCH_WARMUP ?? 5),
    connections: num(env.BENCH_CONNECTIONS ?? 100, 'BENCH_CONNECTIONS'),
    rounds: num(env.BENCH_ROUNDS ?? 2, 'BENCH_ROUNDS'),
    targets: ['bare', 'real'],
    build: 'auto',
    apiEntry: path.join(ROOT, 'dist', 'main.js'),
    profileDir: null,
    pin: false,
    waitIdle: null,
    json: null,
    quiet: false,
  };
  for (const arg of argv) {
    const [key, value] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    switch (key) {
      case '--duration':
        opts.duration = num(value, key);
        break;
      case '--warmup':
        opts.warmup = Number(value);
        break;
      case '--connections':
        opts.connections = num(value, key);
        break;
      case '--rounds':
        opts.rounds = num(value, key);
        break;
      case '--targets':
        opts.targets = String(value)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (opts.targets.length === 0 || opts.targets.some((t) => t !== 'bare' && t !== 'real')) {
          throw new Error('--targets takes bare, real or bare,real');
        }
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
      case '--pin':
        opts.pin = true;
        break;
      case '--wait-idle':
        opts.waitIdle = value === undefined ? 0.25 : num(value, key);
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
  if (!Number.isFinite(opts.warmup) || opts.warmup < 0) throw new Error('--warmup must be >= 0');
  opts.rounds = Math.round(opts.rounds);
  opts.connections = Math.round(opts.connections);
  return opts;
}

let QUIET = false;
const log = (msg) => {
  if (!QUIET) process.stderr.write(`[bench:api] ${msg}\n`);
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

const TASKSET = (() => {
  const res = spawnSync('taskset', ['--version'], { stdio: 'ignore' });
  return res.status === 0 ? 'taskset' : null;
})();

/** Spawns `node [nodeArgs] entry`, resolves once `isReady()` does; keeps a tail of its output. */
async function startNodeServer(name, { entry, nodeArgs = [], env, pinCpu, ipc = false, ready }) {
  let [cmd, args] = [process.execPath, [...nodeArgs, entry]];
  if (pinCpu !== undefined) [cmd, args] = [TASKSET, ['-c', String(pinCpu), cmd, ...args]];
  // taskset execs node, so the IPC channel (fd 3 + NODE_CHANNEL_FD) reaches it unchanged.
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])] });
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
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      for (const line of chunk.split('\n')) {
        if (!line) continue;
        handle.tail.push(line);
        if (handle.tail.length > 60) handle.tail.shift();
      }
    });
  }
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

async function stopNodeServer(handle) {
  if (!children.has(handle)) return handle.exited;
  handle.process.kill('SIGTERM');
  const timer = setTimeout(() => handle.process.kill('SIGKILL'), 10_000);
  const res = await handle.exited;
  clearTimeout(timer);
  return res;
}

/** CPU seconds (user + system) a process has used so far, from /proc; null where unavailable. */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat; null elsewhere. */

/** Waits until the machine (our idle servers included) is below `cores` busy cores for 3 s. */
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
    if (!waited) log(`  waiting for the machine to go idle (${busy.toFixed(2)} cores busy by other processes)`);
    waited = true;
  }
  log('  the machine did not go idle within 10 min; measuring anyway (see the "other CPU" column)');
}

// ---------------------------------------------------------------------------
// HTTP helpers

const graphql = graphqlResponse;

function must({ status, body, text }, what) {
  if (status !== 200 || body.errors || !body.data)
    throw new Error(`${what} failed: HTTP ${status} ${text.slice(0, 500)}`);
  return body.data;
}

// ---------------------------------------------------------------------------
// Load

function runAutocannon(opts) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
    currentLoad = instance;
    instance.on('done', () => {
      if (currentLoad === instance) currentLoad = null;
    });
  });
}
let currentLoad = null;

/** One warm-up or measured run against a target; returns the figures of that run. */
async function measure(target, seconds, connections, pids) {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const selfBefore = process.cpuUsage();
  const machineBefore = machineBusySeconds();
  const started = process.hrtime.bigint();
  const result = await runAutocannon({
    url: target.url,
    method: 'POST',
    headers: target.headers,
    body: target.body,
    connections,
    duration: seconds,
    timeout: 10,
    // Every response must carry the project and no error: a benchmark of error responses is worthless.
    verifyBody: (body) => body.includes(target.expect) && !body.includes('"errors"'),
  });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const self = process.cpuUsage(selfBefore);
  const cpu = {};
  for (const [k, pid] of Object.entries(pids)) {
    const after = cpuSeconds(pid);
    cpu[k] = before[k] === null || after === null ? null : (after - before[k]) / wallSeconds;
  }
  cpu.loadgen = (self.user + self.system) / 1e6 / wallSeconds;
  // Everything else on the machine (other processes, the idle server, the kernel), so a noisy
  // neighbour shows up in the figures instead of silently lowering them.
  const machineAfter = machineBusySeconds();
  cpu.other =
    machineBefore === null || machineAfter === null || Object.values(cpu).some((v) => v === null)
      ? null
      : Math.max(0, (machineAfter - machineBefore) / wallSeconds - cpu.server - cpu.mongo - cpu.redis - cpu.loadgen);
  return {
    target: target.name,
    seconds: result.duration,
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    cpu,
  };
}

// ---------------------------------------------------------------------------
// Output

const fmt = (n, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

function summarise(runs, opts) {
  const byTarget = {};
  for (const name of opts.targets) {
    const mine = runs.filter((r) => r.target === name);
    byTarget[name] = {
      target: name,
      round: 'mean',
      rps: mean(mine.map((r) => r.rps)),
      p50: mean(mine.map((r) => r.p50)),
      p90: mean(mine.map((r) => r.p90)),
      p99: mean(mine.map((r) => r.p99)),
      requests: mine.reduce((a, r) => a + r.requests, 0),
      errors: mine.reduce((a, r) => a + r.errors + r.timeouts, 0),
      non2xx: mine.reduce((a, r) => a + r.non2xx, 0),
      mismatches: mine.reduce((a, r) => a + r.mismatches, 0),
      cpu: {
        server: mean(mine.map((r) => r.cpu.server ?? NaN)),
        mongo: mean(mine.map((r) => r.cpu.mongo ?? NaN)),
        redis: mean(mine.map((r) => r.cpu.redis ?? NaN)),
        loadgen: mean(mine.map((r) => r.cpu.loadgen)),
        other: mean(mine.map((r) => r.cpu.other ?? NaN)),
      },
    };
  }
  return byTarget;
}

function report(runs, summary, opts, meta) {
  const columns = [
    { title: 'server', get: (r) => r.target },
    { title: 'run', get: (r) => r.round },
    { title: 'req/s', get: (r) => fmt(r.rps, 0) },
    { title: 'p50 ms', get: (r) => fmt(r.p50, 0) },
    { title: 'p90 ms', get: (r) => fmt(r.p90, 0) },
    { title: 'p99 ms', get: (r) => fmt(r.p99, 0) },
    { title: 'requests', get: (r) => r.requests },
    { title: 'errors', get: (r) => (r.errors === undefined ? '-' : r.errors + (r.timeouts ?? 0)) },
    { title: 'non-2xx', get: (r) => r.non2xx },
    { title: 'bad body', get: (r) => r.mismatches },
    { title: 'server CPU', get: (r) => pct(r.cpu.server) },
    { title: 'CPU ms/req', get: (r) => fmt((r.cpu.server * 1000) / r.rps, 2) },
    { title: 'mongo CPU', get: (r) => pct(r.cpu.mongo) },
    { title: 'loadgen CPU', get: (r) => pct(r.cpu.loadgen) },
    { title: 'other CPU', get: (r) => pct(r.cpu.other) },
  ];
  const rows = [...runs, ...opts.targets.map((t) => summary[t])];
  const out = [];
  out.push('');
  out.push(`bench:api  ${meta.date}`);
  out.push(
    `machine: ${meta.cpus} CPUs (${meta.cpuModel}), node ${meta.node}, ${meta.platform}; ` +
      `${opts.connections} connections, ${opts.warmup} s warm-up + ${opts.duration} s measured, ${opts.rounds} round(s)` +
      (opts.pin ? ', servers pinned to CPU 1' : ''),
  );
  out.push(`query: ${meta.query}`);
  out.push('');
  out.push(table(rows, columns));
  if (summary.bare && summary.real) {
    const r = summary.real;
    const b = summary.bare;
    out.push('');
    out.push(
      `real/bare: req/s ${fmt(r.rps / b.rps, 2)} (target >= 0.80)   ` +
        `p50 ${fmt(r.p50 / b.p50, 2)}x   p99 ${fmt(r.p99 / b.p99, 2)}x`,
    );
    const perRound = [];
    for (let i = 1; i <= opts.rounds; i++) {
      const rr = runs.find((x) => x.target === 'real' && x.round === i);
      const bb = runs.find((x) => x.target === 'bare' && x.round === i);
      if (rr && bb) perRound.push(fmt(rr.rps / bb.rps, 2));
    }
    out.push(`req/s ratio per round: ${perRound.join(', ')}`);
    out.push(
      `server CPU per request: real ${fmt((r.cpu.server * 1000) / r.rps, 2)} ms, bare ${fmt((b.cpu.server * 1000) / b.rps, 2)} ms ` +
        `(bare/real ${fmt(b.cpu.server / b.rps / (r.cpu.server / r.rps), 2)}: the ratio req/s would have if both were CPU-bound on equal CPU)`,
    );
  }
  out.push('');
  out.push(
    'CPU columns: share of one core used during the run by the server process, the MongoDB JVM, ' +
      'this process (autocannon) and everything else on the machine; CPU ms/req = server CPU time per request.',
  );
  out.push(
    `load average: ${meta.loadStart.map((l) => l.toFixed(2)).join(' ')} at start, ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at end`,
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------
// Main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  QUIET = opts.quiet;
  if (opts.pin && !TASKSET) throw new Error('--pin needs taskset (util-linux)');
  if (opts.pin && os.cpus().length < 2) throw new Error('--pin needs at least 2 CPUs');

  const loadStart = os.loadavg();
  buildIfNeeded(opts.build);
  if (!fs.existsSync(opts.apiEntry))
    throw new Error(`${opts.apiEntry} does not exist (build with npx tsc -p tsconfig.build.json)`);
  if (!fs.existsSync(BARE_ENTRY))
    throw new Error(`${BARE_ENTRY} does not exist (build with npx tsc -p bench/tsconfig.json)`);

  if (opts.pin) {
    // This process (the load generator) and everything it starts before the servers go to CPU 0.
    spawnSync(TASKSET, ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  }

  ensureSystemPackages();
  log('starting MongoDB and Redis');
  const [mongo, redis] = await Promise.all([startMongo(), startRedis()]);
  const stopDatabases = () => Promise.all([mongo.stop(), redis.stop()]);

  const [apiPort, barePort] = await Promise.all([getFreePort(), getFreePort()]);
  const profileEnv = (label) =>
    opts.profileDir ? { BENCH_CPU_PROFILE_DIR: opts.profileDir, BENCH_CPU_PROFILE_LABEL: label } : {};
  const profileArgs = opts.profileDir ? ['-r', PROFILE_HOOK] : [];
  const baseEnv = { ...process.env };
  for (const key of Object.keys(baseEnv)) if (key.startsWith('BENCH_') || key === 'NODE_OPTIONS') delete baseEnv[key];

  const servers = {};
  try {
    log(`starting the real API (${path.relative(ROOT, opts.apiEntry)}) and the bare server`);
    const [api, bare] = await Promise.all([
      opts.targets.includes('real')
        ? startNodeServer('api', {
            entry: opts.apiEntry,
            nodeArgs: profileArgs,
            ipc: Boolean(opts.profileDir),
            pinCpu: opts.pin ? 1 : undefined,
            env: {
              ...baseEnv,
              ...profileEnv('real'),
              NODE_ENV: 'production',
              LOG_LEVEL: 'warn',
              PROCESS_ROLE: 'api',
              HOST: '127.0.0.1',
              PORT: String(apiPort),
              MONGODB_URI: `${mongo.uri}/slipway-bench`,
              REDIS_URL: redis.url,
              REDIS_PREFIX: 'slipway-bench',
              JWT_SECRET: 'bench-api-jwt-secret-0123456789abcdef0123456789',
              ENCRYPTION_KEYS: `bench:${crypto.randomBytes(32).toString('base64')}`,
              // The longest allowed access-token lifetime, so long runs never measure expiry errors.
              JWT_ACCESS_TTL_SECONDS: '86400',
              // One caller sends every request: the rate limit is counted on each, but never reached.
              API_RATE_LIMIT_PER_MINUTE: '1000000',
            },
            ready: () => httpOk(`http://127.0.0.1:${apiPort}/healthz`),
          })
        : null,
      opts.targets.includes('bare')
        ? startNodeServer('bare', {
            entry: BARE_ENTRY,
            nodeArgs: profileArgs,
            ipc: Boolean(opts.profileDir),
            pinCpu: opts.pin ? 1 : undefined,
            env: {
              ...baseEnv,
              ...profileEnv('bare'),
              NODE_ENV: 'production',
              HOST: '127.0.0.1',
              PORT: String(barePort),
            },
            ready: (h) => Promise.resolve(h.tail.some((l) => l.startsWith('BARE_LISTENING'))),
          })
        : null,
    ]);
    if (api) servers.real = api;
    if (bare) servers.bare = bare;
    checkInterrupted();

    // A user and a project, through the API itself.
    let projectId = '65a0000000000000000000aa';
    let token = null;
    const apiUrl = `http://127.0.0.1:${apiPort}/graphql`;
    if (api) {
      const email = `bench-${Date.now().toString(36)}@example.test`;
      const reg = must(
        await graphql(
          apiUrl,
          'mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
          { input: { email, name: 'Bench User', password: 'benchmark-password-1' } },
        ),
        'register',
      );
      token = reg.register.accessToken;
      const created = must(
        await graphql(
          apiUrl,
          `mutation ($input: CreateProjectInput!) { createProject(input: $input) { ${SELECTION} } }`,
          { input: PROJECT_INPUT },
          token,
        ),
        'createProject',
      );
      projectId = created.createProject.id;
      log(`registered ${email}, created project ${projectId}`);
    }

    const query = `{ project(id: "${projectId}") { ${SELECTION} } }`;
    const body = JSON.stringify({ query });
    const expect = `"id":"${projectId}"`;
    const targets = {
      bare: {
        name: 'bare',
        url: `http://127.0.0.1:${barePort}/graphql`,
        headers: { 'content-type': 'application/json' },
        body,
        expect,
        pid: bare && bare.process.pid,
      },
      real: {
        name: 'real',
        url: apiUrl,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
        expect,
        pid: api && api.process.pid,
      },
    };

    // Both servers must answer the benchmark request correctly before anything is measured.
    for (const name of opts.targets) {
      const t = targets[name];
      const res = await fetch(t.url, { method: 'POST', headers: t.headers, body: t.body });
      const text = await res.text();
      const data = JSON.parse(text);
      if (res.status !== 200 || data.errors || !data.data || !data.data.project || data.data.project.id !== projectId) {
        throw new Error(
          `${name} does not answer the benchmark query correctly: HTTP ${res.status} ${text.slice(0, 500)}`,
        );
      }
      if (name === 'real') log(`real API answers: ${text}`);
    }

    const runs = [];
    for (let round = 1; round <= opts.rounds; round++) {
      const order = round % 2 === 1 ? [...opts.targets] : [...opts.targets].reverse();
      for (const name of order) {
        const t = targets[name];
        const pids = { server: t.pid, mongo: mongo.pid, redis: redis.pid };
        if (opts.waitIdle !== null) await waitForIdleMachine(opts.waitIdle);
        checkInterrupted();
        if (opts.warmup > 0) {
          log(`round ${round}/${opts.rounds}: ${name} warm-up ${opts.warmup} s`);
          const w = await measure(t, opts.warmup, opts.connections, pids);
          checkInterrupted();
          if (w.errors + w.timeouts + w.non2xx + w.mismatches > 0) {
            log(
              `  warm-up had ${w.errors} errors, ${w.timeouts} timeouts, ${w.non2xx} non-2xx, ${w.mismatches} bad bodies`,
            );
          }
        }
        if (opts.profileDir) await profileCommand(servers[name], 'cpu-profile:start', 'cpu-profile:started');
        log(`round ${round}/${opts.rounds}: ${name} measured ${opts.duration} s`);
        const r = await measure(t, opts.duration, opts.connections, pids);
        checkInterrupted();
        if (opts.profileDir) {
          const { file } = await profileCommand(servers[name], 'cpu-profile:stop', 'cpu-profile:written');
          log(`  CPU profile: ${path.relative(process.cwd(), file)}`);
          r.profile = file;
        }
        r.round = round;
        runs.push(r);
        log(
          `  ${fmt(r.rps, 0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, server CPU ${pct(r.cpu.server)}, mongo CPU ${pct(r.cpu.mongo)}`,
        );
      }
    }

    const summary = summarise(runs, opts);
    const meta = { ...runMeta('api'), query, loadStart };
    process.stdout.write(`${report(runs, summary, opts, meta)}\n`);
    if (opts.json) {
      fs.mkdirSync(path.dirname(opts.json), { recursive: true });
      fs.writeFileSync(opts.json, `${JSON.stringify({ meta, options: opts, runs, summary }, null, 2)}\n`);
      log(`wrote ${opts.json}`);
    }

    const bad = runs.filter((r) => r.errors + r.timeouts + r.non2xx + r.mismatches > 0);
    if (bad.length > 0) {
      process.stderr.write(
        `[bench:api] FAILED: ${bad.length} measured run(s) had errors, non-2xx or wrong bodies; the figures are not valid\n`,
      );
      process.exitCode = 1;
    }
  } finally {
    if (currentLoad) currentLoad.stop();
    await Promise.all(Object.values(servers).map(stopNodeServer));
    killChildren('SIGKILL');
    await stopDatabases();
  }
}

let interrupted = false;
function checkInterrupted() {
  if (interrupted) throw new Error('interrupted');
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (interrupted) {
      // A second signal: do not wait for a clean stop.
      killChildren('SIGKILL');
      process.exit(130);
    }
    interrupted = true;
    process.exitCode = 130;
    process.stderr.write(`[bench:api] ${signal}: stopping (again to force)\n`);
    // main() notices at its next step and stops every child in its finally block;
    // tools/embedded-servers also stops MongoDB and Redis when this process exits.
    if (currentLoad) currentLoad.stop();
    setTimeout(() => {
      killChildren('SIGKILL');
      process.exit(130);
    }, 20_000).unref();
  });
}
process.on('exit', () => killChildren('SIGKILL'));

main().catch((error) => {
  if (interrupted) return;
  process.stderr.write(`[bench:api] ${error && error.stack ? error.stack : error}\n`);
  process.exitCode = 1;
});
