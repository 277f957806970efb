#!/usr/bin/env node
'use strict';

/**
 * Functions benchmark (`npm run bench:functions`): cold starts of every runtime, warm invocation
 * latency and invocations per second of a trivial Node.js function, on the platform's own runtime
 * layer (the pool of sandboxed runtime processes, compiled in dist/) and, end to end, through the
 * API's `invokeFunction`. Each figure is printed beside a baseline measured in the same run on the
 * same machine. See docs/benchmarks.md, "Functions".
 *
 * What it does:
 *   1. builds dist/ (`npx tsc -p tsconfig.build.json`) when it is missing or older than src/; finds
 *      the runtimes with `discoverRuntimes({ runtimesDir: '.runtimes' })` (by default the offered
 *      ones this host has, plus the newest of a language none of whose offered versions it has:
 *      Ruby 3.1 where 3.2 is missing); writes a trivial handler per language (the event returned
 *      as it came); compiles the Go one with `GoCompiler`, and a trivial static Go program
 *      (`func main() {}`) with the host's toolchain, into a cache kept between runs (--go-cache),
 *      outside any timing;
 *   2. cold start, per runtime, `--cold-samples` times after 2 unrecorded rounds; each round waits
 *      for the pool's spare to be up, lets the machine settle for `--settle-ms`, then times, one
 *      after the other:
 *        - bare: spawning the interpreter that does nothing, unsandboxed (`node -e 0`, `python3.x
 *          -S -c pass`, `ruby --disable-gems -e 0`, the trivial Go binary), spawn → exit;
 *        - sandboxed: the same in the executor's sandbox, with the binds, limits and environment
 *          a runtime process gets (`SandboxExecutor.start`), start → exit;
 *        - no spare: a cold start from a `RuntimePool` with `spares: 0` (FUNCTION_SPARE_PROCESSES=0):
 *          `pool.acquire(plan)` → loaded, i.e. sandbox, interpreter, bootstrap and the handler's load;
 *        - spare: the same from a pool with `spares: 1` (the default) whose spare is ready, so a
 *          cold start copies the code into the spare's task directory and loads the handler; the
 *          pool starts the next spare right after, during the first invocation, as in service;
 *      each cold start followed by the first invocation (`instance.process.invoke`); every plan has
 *      a key of its own, so each acquire is cold, and its instance is ended before the next round.
 *      The pools are the real `RuntimePool` with the real `SandboxExecutor`, network off, 1,024 MB
 *      (a function's default memory) and FunctionRuntimesService's other options;
 *   3. warm latency: one instance of the Node.js handler (`--warm-runtime`, nodejs20), `--warmup`
 *      invocations, then `--invocations` sequential `instance.process.invoke` calls, each timed;
 *      beside them the same on a second instance whose peak memory is not read (its RunningProcess
 *      cannot tell its host pid, so `invoke` skips /proc), and the same number of round trips to a
 *      bare Node.js process (bench/functions/echo.js, the same executable, unsandboxed) that writes
 *      back each line it reads. All three in 6 blocks of changing order. Warm overhead = platform
 *      p50 − bare p50;
 *   4. throughput: for each `--concurrency` C, a plan with C instances (maxInstances), started
 *      beforehand, and C callers each doing acquire → invoke → release in a loop for 1 s of
 *      warm-up, then `--seconds` measured; beside it C bare echo processes with one caller each.
 *      invocations/s = invocations / measured time;
 *   5. end to end (`--parts=api`): embedded MongoDB and Redis, the real API (`node dist/main.js`,
 *      NODE_ENV=production, PROCESS_ROLE=api, SANDBOX=on), a user, a project and a Node.js function
 *      made through GraphQL; its first invocation (cold, and the runtime's first in the process, so
 *      without a spare), then 10 more functions made and invoked once each 300 ms later (cold, the
 *      spare ready); then sequential `invokeFunction` (SYNC) requests over HTTP beside the
 *      `function(id)` query (authenticated and guarded: the API's own floor for an operation on the
 *      function), in alternating halves, then each at `--api-concurrency` for `--api-seconds`;
 *   6. prints the tables and stops everything it started. Exits 1 when any invocation, echo or
 *      request failed or returned something other than what was sent: the figures are then not
 *      valid.
 *
 * CPU columns are shares of one core over the measured run, from /proc: this process ("runner":
 * the pool and the callers, or the HTTP client), named processes (the API, MongoDB), the rest of
 * what this run started ("process": runtime, echo and Redis processes, ended ones included), and
 * "other": other users' processes (kernel threads and init left out), which should be near 0
 * for figures to be trusted. A sandboxed process killed with its sandbox is reaped by the host's
 * init, so what it used after its last reading counts nowhere: "process" misses the killed
 * instances of the cold-start rounds, and the cold-start table shows no such column.
 *
 * Usage: node bench/functions/run.js [options]      (npm run bench:functions -- [options])
 *   --parts=LIST          cold,warm,throughput,api (default: all four)
 *   --runtimes=LIST       runtime ids, `all` (every available one) or `default` (see 1.)
 *   --cold-samples=N      recorded cold-start rounds per runtime          (default 30)
 *   --settle-ms=MS        pause before each cold-start round              (default 20)
 *   --warm-runtime=ID     the Node.js runtime of the warm parts           (default nodejs20)
 *   --invocations=N       warm latency: measured invocations per target  (default 5000)
 *   --warmup=N            warm latency: invocations before measuring      (default 1000)
 *   --concurrency=LIST    throughput: callers and instances               (default 2,4)
 *   --seconds=S           throughput: measured seconds per run            (default 3)
 *   --api-requests=N      end to end: sequential requests per operation   (default 1000)
 *   --api-concurrency=N   end to end: concurrent callers                  (default 4)
 *   --api-seconds=S       end to end: measured seconds per concurrent run (default 5)
 *   --go-cache=DIR        compiled Go (default $TMPDIR/slipway-bench-functions)
 *   --wait-idle[=C]       before each measured unit (a runtime's cold starts, the warm blocks, a
 *                         throughput or end-to-end run), wait (up to 10 min) until other users'
 *                         processes use less than C cores (default 0.25), and measure the unit
 *                         again (3 attempts in all) when they used more meanwhile
 *   --dist=DIR            another build of src/ to measure (the code before a change, say): its
 *                         runtimes/bootstrap must be at DIR/../runtimes, node_modules reachable
 *   --profile[=DIR]       CPU-profile the API during the new functions' first invocations and
 *                         during each concurrent run (default bench/profiles: api-cold-N,
 *                         api-floor-N, api-invoke-N); summarise with bench/api/profile-summary.js
 *   --build / --no-build  always / never run tsc on dist/ (default: only when it is stale)
 *   --json=FILE           also write the raw figures as JSON
 *   --quiet               no progress lines on stderr
 */

const crypto = require('node:crypto');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  CLK_TCK,
  newestMtime,
  mtime,
  sleep,
  waitForApi,
  graphqlResponse,
  pct,
  percentile,
  table,
  runMeta,
} = require('../support');

const ROOT = path.resolve(__dirname, '..', '..');
const ECHO = path.join(__dirname, 'echo.js');
const DEFAULT_DIST = path.join(ROOT, 'dist');
const PROFILE_HOOK = path.join(__dirname, '..', 'api', 'cpu-profile-hook.js');
/** A function's memory unless it says otherwise (src/settings/effective-settings.ts). */
const MEMORY_MB = 1024;
/** The defaults: a function's timeout, FUNCTION_MAX_RESULT_BYTES, FUNCTION_MAX_LOG_BYTES. */
const INVOKE_OPTIONS = { timeoutMs: 10_000, maxResultBytes: 6 * 1024 * 1024, maxLogBytes: 256 * 1024 };
/** What FunctionRuntimesService gives its pool, FUNCTION_IDLE_SECONDS's default included. */
const POOL_OPTIONS = { idleMs: 300_000, maxProcesses: 256 };
const LANGUAGES = ['nodejs', 'python', 'ruby', 'go'];
const WARM_BLOCKS = 6;
const COLD_WARMUP_ROUNDS = 2;
/** End to end: functions made and invoked once each, cold, with a spare ready. */
const API_COLD_STARTS = 10;

/** The trivial handler of each language: the event back as it came. */
const HANDLERS = {
  nodejs: { handler: 'index.handler', files: { 'index.mjs': 'export const handler = (event) => event;\n' } },
  python: { handler: 'main.handler', files: { 'main.py': 'def handler(event, context):\n    return event\n' } },
  ruby: { handler: 'function.handler', files: { 'function.rb': 'def handler(event:, context:)\n  event\nend\n' } },
  go: {
    handler: 'main',
    files: {
      'handler.go':
        'package main\n\nimport "context"\n\nfunc Handle(ctx context.Context, event any) (any, error) { return event, nil }\n',
    },
  },
};

// ---------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const num = (v, name) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${v}"`);
    return n;
  };
  const list = (v) =>
    String(v)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const PARTS = ['cold', 'warm', 'throughput', 'api'];
  const opts = {
    parts: PARTS,
    runtimes: 'default',
    coldSamples: 30,
    settleMs: 20,
    warmRuntime: 'nodejs20',
    invocations: 5000,
    warmup: 1000,
    concurrency: [2, 4],
    seconds: 3,
    apiRequests: 1000,
    apiConcurrency: 4,
    apiSeconds: 5,
    goCache: path.join(os.tmpdir(), 'slipway-bench-functions'),
    waitIdle: null,
    dist: DEFAULT_DIST,
    profileDir: null,
    build: 'auto',
    json: null,
    quiet: false,
  };
  for (const arg of argv) {
    const [key, value] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    switch (key) {
      case '--parts':
        opts.parts = list(value);
        if (opts.parts.length === 0 || opts.parts.some((p) => !PARTS.includes(p)))
          throw new Error(`--parts takes a list of ${PARTS.join(', ')}`);
        break;
      case '--runtimes':
        opts.runtimes = value === 'all' || value === 'default' ? value : list(value);
        break;
      case '--cold-samples':
        opts.coldSamples = Math.round(num(value, key));
        break;
      case '--settle-ms':
        opts.settleMs = Number(value);
        if (!Number.isFinite(opts.settleMs) || opts.settleMs < 0) throw new Error('--settle-ms must be >= 0');
        break;
      case '--warm-runtime':
        opts.warmRuntime = String(value);
        break;
      case '--invocations':
        opts.invocations = Math.round(num(value, key));
        break;
      case '--warmup':
        opts.warmup = Number(value) === 0 ? 0 : Math.round(num(value, key));
        break;
      case '--concurrency':
        opts.concurrency = list(value).map((c) => Math.round(num(c, key)));
        break;
      case '--seconds':
        opts.seconds = num(value, key);
        break;
      case '--api-requests':
        opts.apiRequests = Math.round(num(value, key));
        break;
      case '--api-concurrency':
        opts.apiConcurrency = Math.round(num(value, key));
        break;
      case '--api-seconds':
        opts.apiSeconds = num(value, key);
        break;
      case '--go-cache':
        opts.goCache = path.resolve(String(value));
        break;
      case '--wait-idle':
        opts.waitIdle = value === undefined ? 0.25 : num(value, key);
        break;
      case '--profile':
        opts.profileDir = path.resolve(value || path.join(__dirname, '..', 'profiles'));
        break;
      case '--dist':
        opts.dist = path.resolve(String(value));
        break;
      case '--build':
        opts.build = 'always';
        break;
      case '--no-build':
        opts.build = 'never';
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
  return opts;
}

let QUIET = false;
const log = (msg) => {
  if (!QUIET) process.stderr.write(`[bench:functions] ${msg}\n`);
};

// ---------------------------------------------------------------------------
// Figures

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN,
  };
}

const fmt = (n, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
const thousands = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');

/** CPU seconds (user + system) a process has used so far, from /proc; null where unavailable. */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** The sandbox's own user ids (src/executor/sandbox-executor.ts, UID_BASE and UID_RANGE). */
const SANDBOX_UIDS = [200_000, 250_000];

/** Every process: parent, CPU ticks (its own and its reaped children's), owner and start time. */
function processSnapshot() {
  const snapshot = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      snapshot.set(Number(name), {
        ppid: Number(fields[1]),
        // utime, stime, cutime, cstime (fields 14 to 17)
        ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]),
        start: fields[19],
        uid: fs.statSync(`/proc/${name}`).uid,
      });
    } catch {
      // ended meanwhile
    }
  }
  return snapshot;
}

/** This process and its descendants in a snapshot. */
function treeOf(snapshot, root = process.pid) {
  const children = new Map();
  for (const [pid, p] of snapshot) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(pid);
  }
  const tree = new Set();
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop();
    tree.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/**
 * CPU seconds between two snapshots: `ours`, this process and its descendants (a child that ends
 * moves its ticks into its parent's, so it counts once, except a sandboxed process killed with its
 * sandbox, which the host's init reaps); `other`, the user-space processes of everyone else (kernel
 * threads and init left out), which is what a quiet machine has none of.
 */
function cpuBetween(before, after) {
  const tree = treeOf(after);
  const isOurs = (pid, p) => tree.has(pid) || (p.uid >= SANDBOX_UIDS[0] && p.uid < SANDBOX_UIDS[1]);
  const isOther = (pid, p) => pid > 2 && p.ppid !== 2 && !isOurs(pid, p);
  let ours = 0;
  for (const pid of tree) ours += after.get(pid)?.ticks ?? 0;
  for (const pid of treeOf(before)) ours -= before.get(pid)?.ticks ?? 0;
  let other = 0;
  for (const [pid, p] of after) {
    if (!isOther(pid, p)) continue;
    const earlier = before.get(pid);
    other += p.ticks - (earlier && earlier.start === p.start ? earlier.ticks : 0);
  }
  // An ended process's ticks moved into those of its nearest ancestor still running (through any
  // that ended too), counted above when that one is another's; they are not the window's.
  const alive = (pid) => after.get(pid)?.start === before.get(pid)?.start;
  for (const [pid, p] of before) {
    if (alive(pid) || !isOther(pid, p)) continue;
    let ancestor = p.ppid;
    while (before.has(ancestor) && !alive(ancestor)) ancestor = before.get(ancestor).ppid;
    const survivor = after.get(ancestor);
    if (ancestor !== 1 && survivor && alive(ancestor) && isOther(ancestor, survivor)) other -= p.ticks;
  }
  return { ours: ours / CLK_TCK, other: Math.max(0, other) / CLK_TCK };
}

/**
 * Starts measuring CPU; the returned function gives shares of one core since then: `runner` (this
 * process: the pool and the callers, or the HTTP client), each process named in `pids`,
 * `processes` (the rest of what this run started: runtime and echo processes, Redis, …) and
 * `other` (other users' processes on the machine, which should be close to nothing).
 */
function cpuMeter(pids = {}) {
  const started = performance.now();
  const self = process.cpuUsage();
  const snapshot = processSnapshot();
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(self);
    const share = { runner: (used.user + used.system) / 1e6 / seconds };
    for (const [k, pid] of Object.entries(pids)) {
      const after = cpuSeconds(pid);
      share[k] = before[k] === null || after === null ? null : (after - before[k]) / seconds;
    }
    const { ours, other } = cpuBetween(snapshot, processSnapshot());
    const named = Object.values(share).reduce((a, b) => a + (b ?? 0), 0);
    share.processes = Math.max(0, ours / seconds - named);
    share.other = other / seconds;
    return { ...share, seconds };
  };
}

/**
 * Waits until the rest of the machine (not this run's processes) has used less than `cores` for 3 s,
 * up to 10 minutes; the "other CPU" columns say what it used during each measurement.
 */
async function waitForIdleMachine(cores) {
  if (cores === null) return;
  const deadline = Date.now() + 10 * 60_000;
  let waited = false;
  while (Date.now() < deadline) {
    checkInterrupted();
    const meter = cpuMeter();
    await sleep(3000);
    const { other } = meter();
    if (other < cores) {
      if (waited) log(`  the machine is quiet again (${other.toFixed(2)} cores used by others)`);
      return;
    }
    if (!waited) log(`  waiting for the machine to go quiet (${other.toFixed(2)} cores used by other processes)`);
    waited = true;
  }
  log('  the machine did not go quiet within 10 min; measuring anyway (see the "other CPU" columns)');
}

/** Measurements redone when other processes disturbed them, with --wait-idle. */
const MAX_ATTEMPTS = 3;

/**
 * One measured unit: with --wait-idle, after waiting for a quiet machine, and again (up to 3 times
 * in all) when other processes used more than the same share of a core meanwhile. `measure`
 * resolves with its figures and `other`, that share.
 */
async function quietly(ctx, what, measure) {
  for (let attempt = 1; ; attempt++) {
    await waitForIdleMachine(ctx.opts.waitIdle);
    checkInterrupted();
    const result = await measure();
    if (ctx.opts.waitIdle === null || !(result.other > ctx.opts.waitIdle)) return result;
    if (attempt === MAX_ATTEMPTS) {
      log(`  ${what}: other processes used ${result.other.toFixed(2)} cores; kept after ${attempt} attempts`);
      return result;
    }
    log(`  ${what}: other processes used ${result.other.toFixed(2)} cores meanwhile; measuring again`);
  }
}

// ---------------------------------------------------------------------------
// Build and set-up

function buildIfNeeded(mode) {
  if (mode === 'never') return;
  const entry = path.join(ROOT, 'dist', 'main.js');
  const srcNewest = newestMtime(path.join(ROOT, 'src'), (p) => p.endsWith('.ts') && !p.endsWith('.spec.ts'));
  if (mode !== 'always' && mtime(entry) >= srcNewest) return;
  log('building: npx tsc -p tsconfig.build.json');
  const res = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`npx tsc -p tsconfig.build.json failed (exit ${res.status})`);
}

/** The platform's modules, as built. */
function loadDist(dir) {
  const dist = (p) => require(path.join(dir, p));
  return {
    ...dist('functions/runtime/runtime-pool'),
    ...dist('functions/runtimes/runtime-catalog'),
    ...dist('functions/runtimes/go-compiler'),
    ...dist('executor/sandbox-executor'),
  };
}

function selectRuntimes(installs, wanted) {
  const available = installs.filter((r) => r.available);
  let chosen;
  if (wanted === 'all') chosen = available;
  else if (wanted === 'default') {
    chosen = available.filter((r) => r.promised);
    for (const language of LANGUAGES) {
      if (chosen.some((r) => r.language === language)) continue;
      // The catalogue lists a language's host-added versions oldest first.
      const newest = available.filter((r) => r.language === language).at(-1);
      if (newest) chosen.push(newest);
    }
  } else {
    chosen = wanted.map((id) => {
      const found = installs.find((r) => r.id === id);
      if (!found) throw new Error(`no runtime ${id}; known: ${installs.map((r) => r.id).join(', ')}`);
      if (!found.available) throw new Error(`${id} is not available here: ${found.reason}`);
      return found;
    });
  }
  return [...chosen].sort((a, b) => LANGUAGES.indexOf(a.language) - LANGUAGES.indexOf(b.language));
}

function writeFiles(dir, files) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content, { mode: 0o644 });
}

/** A trivial static Go program, built once per toolchain with the host's `go`, for the bare baseline. */
function trivialGoBinary(runtime, cacheDir) {
  const binary = path.join(cacheDir, `trivial-${runtime.id}`);
  if (fs.existsSync(binary)) return binary;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-go-'));
  try {
    fs.writeFileSync(path.join(work, 'main.go'), 'package main\n\nfunc main() {}\n');
    log(`compiling a trivial Go program with ${runtime.id} (once; kept in ${cacheDir})`);
    const res = spawnSync(
      runtime.executable,
      ['build', '-trimpath', '-ldflags=-s -w', '-o', `${binary}.tmp`, 'main.go'],
      {
        cwd: work,
        encoding: 'utf8',
        env: {
          PATH: '/usr/bin:/bin',
          HOME: work,
          ...runtime.env,
          GOCACHE: path.join(cacheDir, 'host-gocache'),
          GOPATH: path.join(work, 'gopath'),
          GOPROXY: 'off',
          GOFLAGS: '-buildvcs=false',
          GOTELEMETRY: 'off',
        },
      },
    );
    if (res.status !== 0) throw new Error(`go build of the trivial program failed: ${res.stderr || res.error}`);
    fs.chmodSync(`${binary}.tmp`, 0o755);
    fs.renameSync(`${binary}.tmp`, binary);
    return binary;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * What each runtime is measured with: the handler's code directory and plan fields, and the bare
 * commands (on the host and in the sandbox, with the task directory they run in).
 */
async function prepareRuntime(ctx, runtime) {
  const { handler, files } = HANDLERS[runtime.language];
  const codeDir = path.join(ctx.scratch, `code-${runtime.id}`);
  const taskDir = path.join(ctx.scratch, `task-${runtime.id}`);
  fs.mkdirSync(taskDir, { mode: 0o755 });
  const hostEnv = { PATH: '/usr/bin:/bin', ...runtime.env };
  if (runtime.language !== 'go') {
    writeFiles(codeDir, files);
    const args = {
      nodejs: ['-e', '0'],
      python: ['-S', '-c', 'pass'],
      ruby: ['--disable-gems', '-e', '0'],
    }[runtime.language];
    const argv = [runtime.executable, ...args];
    return { runtime, handler, codeDir, bare: { argv, env: hostEnv }, sandboxed: { argv, taskDir } };
  }
  fs.mkdirSync(ctx.opts.goCache, { recursive: true, mode: 0o755 });
  const trivial = trivialGoBinary(runtime, ctx.opts.goCache);
  fs.copyFileSync(trivial, path.join(taskDir, 'trivial'));
  fs.chmodSync(path.join(taskDir, 'trivial'), 0o755);
  const compiler = new ctx.dist.GoCompiler({
    executor: ctx.executor,
    cacheDir: path.join(ctx.opts.goCache, 'functions'),
  });
  const started = performance.now();
  const compiled = await compiler.compile(
    runtime,
    Object.entries(files).map(([p, content]) => ({ path: p, content })),
  );
  log(
    `compiled the Go handler with ${runtime.id}: ${compiled.cached ? 'from the cache' : `${Math.round(performance.now() - started)} ms`}`,
  );
  fs.mkdirSync(path.join(codeDir, '.slipway'), { recursive: true, mode: 0o755 });
  fs.copyFileSync(compiled.binary, path.join(codeDir, '.slipway', 'handler'));
  fs.chmodSync(path.join(codeDir, '.slipway', 'handler'), 0o755);
  return {
    runtime,
    handler,
    codeDir,
    bare: { argv: [trivial], env: { PATH: '/usr/bin:/bin' } },
    sandboxed: { argv: ['./trivial'], taskDir },
  };
}

let planSeq = 0;

function plan(setup, maxInstances, label) {
  return {
    key: `bench-${label}-${setup.runtime.id}-${++planSeq}`,
    runtime: setup.runtime,
    network: false,
    codeDir: setup.codeDir,
    handler: setup.handler,
    env: {},
    memoryMb: MEMORY_MB,
    function: { name: 'bench', version: 1, memoryMb: MEMORY_MB },
    maxInstances,
    minInstances: 0,
  };
}

// ---------------------------------------------------------------------------
// Processes this run starts

const pools = new Set();
const echoes = new Set();
const children = new Set();

function newPool(ctx, spares) {
  const pool = new ctx.dist.RuntimePool({
    executor: ctx.executor,
    bootstrapDir: ctx.dist.HOST_BOOTSTRAP_DIR,
    spares,
    ...POOL_OPTIONS,
  });
  pools.add(pool);
  return pool;
}

function closePool(pool) {
  pools.delete(pool);
  pool.close();
}

/** A bare Node.js process echoing lines (bench/functions/echo.js); `send` resolves with the line back. */
class Echo {
  constructor(executable) {
    this.child = spawn(executable, [ECHO], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.pending = '';
    this.waiter = null;
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => {
      this.pending += chunk;
      let newline;
      while ((newline = this.pending.indexOf('\n')) >= 0) {
        const line = this.pending.slice(0, newline);
        this.pending = this.pending.slice(newline + 1);
        const waiter = this.waiter;
        this.waiter = null;
        if (waiter) waiter.resolve(line);
      }
    });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.exited.then(() => {
      echoes.delete(this);
      this.waiter?.reject(new Error('the echo process exited'));
    });
    echoes.add(this);
  }

  send(line) {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.child.stdin.write(`${line}\n`);
    });
  }

  close() {
    this.child.stdin.end();
    return this.exited;
  }
}

function stopEverything() {
  for (const pool of [...pools]) closePool(pool);
  for (const echo of [...echoes]) echo.child.kill('SIGKILL');
  for (const child of [...children]) child.kill('SIGKILL');
}

// ---------------------------------------------------------------------------
// The runtime layer: cold starts

/** Spawns a command unsandboxed and waits for it to exit; ms from spawn to exit. */
function timeBare(command) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command.argv[0], command.argv.slice(1), {
      env: command.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`${command.argv.join(' ')}: ${signal ?? `exit ${code}`} ${stderr.trim()}`));
    });
  });
}

/** Starts a command in the sandbox as the pool starts a runtime process; ms from start to exit. */
async function timeSandboxed(ctx, setup) {
  const { runtime } = setup;
  const started = performance.now();
  const running = ctx.executor.start({
    argv: setup.sandboxed.argv,
    binds: [
      { source: setup.sandboxed.taskDir, target: ctx.dist.SANDBOX_TASK_DIR },
      { source: ctx.dist.HOST_BOOTSTRAP_DIR, target: ctx.dist.SANDBOX_BOOTSTRAP_DIR },
      ...runtime.mounts.map((mount) => ({ source: mount, target: mount })),
    ],
    cwd: ctx.dist.SANDBOX_TASK_DIR,
    env: runtime.env,
    limits: {
      maxProcesses: POOL_OPTIONS.maxProcesses,
      maxFileBytes: 64 * 1024 * 1024,
      maxOpenFiles: 1024,
      maxMemoryBytes: MEMORY_MB * 1024 * 1024,
    },
    network: false,
  });
  let stderr = '';
  running.stdout.resume();
  running.replies.resume();
  running.stderr.setEncoding('utf8');
  running.stderr.on('data', (chunk) => (stderr += chunk));
  running.stdin.end();
  const { code, signal } = await running.exited;
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`sandboxed ${setup.sandboxed.argv.join(' ')}: ${signal ?? `exit ${code}`} ${stderr}`);
  return ms;
}

let invocationSeq = 0;

/** One invocation on an instance, checked: the trivial handler must give the event back. */
async function invokeChecked(ctx, instance, what) {
  const id = `bench-${++invocationSeq}`;
  const event = `{"n":${invocationSeq}}`;
  const outcome = await instance.process.invoke(id, event, Date.now() + INVOKE_OPTIONS.timeoutMs, INVOKE_OPTIONS);
  if (outcome.kind !== 'OK' || outcome.resultJson !== event) {
    const why = outcome.error ? `${outcome.error.type}: ${outcome.error.message}` : (outcome.exitReport ?? '');
    ctx.problem(`${what}: invocation ${outcome.kind}, result ${outcome.resultJson} for ${event} ${why}`);
    return false;
  }
  return true;
}

/** A cold start from `pool` with a new plan, its first invocation, then the instance ended. */
async function coldStart(ctx, pool, setup, label) {
  const started = performance.now();
  const lease = await pool.acquire(plan(setup, 1, label), 30_000);
  const loaded = performance.now();
  const ok = await invokeChecked(ctx, lease.instance, `${setup.runtime.id} ${label} first invocation`);
  const answered = performance.now();
  if (!lease.cold) ctx.problem(`${setup.runtime.id} ${label}: a new plan's acquire was not cold`);
  pool.release(lease.instance, false);
  await lease.instance.process.exited;
  return { ok, load: loaded - started, first: answered - started, reported: lease.coldStartMs };
}

async function waitForSpare(pool, runtime) {
  const deadline = Date.now() + 30_000;
  while (pool.stats().spares < 1) {
    if (Date.now() > deadline) throw new Error(`${runtime.id}: the pool's spare was not ready within 30 s`);
    await sleep(2);
  }
}

/** Cold starts of one runtime: `--cold-samples` rounds of the four measurements. */
async function coldRounds(ctx, setup) {
  const { runtime } = setup;
  const withSpare = newPool(ctx, 1);
  const noSpare = newPool(ctx, 0);
  withSpare.prepare({ runtime, network: false, memoryMb: MEMORY_MB });
  const samples = { bare: [], sandboxed: [], noSpare: [], noSpareFirst: [], spare: [], spareFirst: [] };
  const meter = cpuMeter();
  try {
    for (let round = 0; round < COLD_WARMUP_ROUNDS + ctx.opts.coldSamples; round++) {
      checkInterrupted();
      await waitForSpare(withSpare, runtime);
      await sleep(ctx.opts.settleMs);
      const bare = await timeBare(setup.bare);
      const sandboxed = await timeSandboxed(ctx, setup);
      const none = await coldStart(ctx, noSpare, setup, 'no-spare');
      const spare = await coldStart(ctx, withSpare, setup, 'spare');
      if (round < COLD_WARMUP_ROUNDS) continue;
      samples.bare.push(bare);
      samples.sandboxed.push(sandboxed);
      samples.noSpare.push(none.load);
      samples.noSpareFirst.push(none.first);
      samples.spare.push(spare.load);
      samples.spareFirst.push(spare.first);
      if (ctx.problems.length > 20) throw new Error('too many failed invocations; stopping');
    }
  } finally {
    closePool(withSpare);
    closePool(noSpare);
  }
  const cpu = meter();
  const row = { runtime: runtime.id, version: runtime.version, cpu, other: cpu.other };
  for (const [key, values] of Object.entries(samples)) row[key] = summary(values);
  return row;
}

async function coldPart(ctx) {
  for (const setup of ctx.setups) {
    const { runtime } = setup;
    log(`cold start: ${runtime.id} (${runtime.version}), ${ctx.opts.coldSamples} rounds`);
    const row = await quietly(ctx, `cold start of ${runtime.id}`, () => coldRounds(ctx, setup));
    ctx.results.cold.push(row);
    log(
      `  bare ${fmt(row.bare.p50, 1)} ms, sandboxed ${fmt(row.sandboxed.p50, 1)} ms, cold start with a spare ` +
        `${fmt(row.spare.p50, 1)} ms (+ first invocation ${fmt(row.spareFirst.p50, 1)}), without ${fmt(row.noSpare.p50, 1)} ms`,
    );
  }
}

// ---------------------------------------------------------------------------
// The runtime layer: warm latency and throughput

async function warmInstances(pool, p, count) {
  const leases = await Promise.all(Array.from({ length: count }, () => pool.acquire(p, 30_000)));
  for (const lease of leases) pool.release(lease.instance, true);
  return leases.map((l) => l.instance);
}

async function warmPart(ctx) {
  const setup = ctx.warmSetup;
  const pool = newPool(ctx, 1);
  const [instance] = await warmInstances(pool, plan(setup, 1, 'warm'), 1);
  // Another instance with the peak-memory readings off: RuntimeProcess.invoke resets and reads the
  // peak through /proc only when it can tell the process's host pid (RunningProcess.programPid).
  const [noPeak] = await warmInstances(pool, plan(setup, 1, 'warm-no-peak'), 1);
  noPeak.process.process.programPid = () => undefined;
  const echo = new Echo(setup.runtime.executable);
  const targets = {
    platform: {
      once: async () => invokeChecked(ctx, instance, 'warm invocation'),
    },
    'no peak memory': {
      once: async () => invokeChecked(ctx, noPeak, 'warm invocation without peak memory'),
    },
    bare: {
      once: async () => {
        const line = `{"n":${++invocationSeq}}`;
        const back = await echo.send(line);
        if (back !== line) ctx.problem(`bare echo: sent ${line}, got ${back}`);
        return back === line;
      },
    },
  };
  log(`warm latency: ${setup.runtime.id}, ${ctx.opts.warmup} warm-up + ${ctx.opts.invocations} measured per target`);
  const rows = await quietly(ctx, 'warm latency', () => warmBlocks(ctx, targets));
  ctx.results.warm.push(...rows);
  await echo.close();
  closePool(pool);
}

/** Warm-up, then the measured invocations of the targets in blocks of changing order. */
async function warmBlocks(ctx, targets) {
  for (const target of Object.values(targets)) for (let i = 0; i < ctx.opts.warmup; i++) await target.once();
  const names = Object.keys(targets);
  const latencies = Object.fromEntries(names.map((name) => [name, []]));
  // CPU seconds: this process, the instances or echo process, other users; and wall seconds.
  const cpu = Object.fromEntries(names.map((name) => [name, { runner: 0, processes: 0, other: 0, seconds: 0 }]));
  const per = Math.ceil(ctx.opts.invocations / WARM_BLOCKS);
  for (let block = 0; block < WARM_BLOCKS; block++) {
    // Each target first, second and last in turn.
    const order = [...names.slice(block % names.length), ...names.slice(0, block % names.length)];
    if (block % 2 === 1) order.reverse();
    for (const name of order) {
      checkInterrupted();
      const target = targets[name];
      const meter = cpuMeter();
      for (let i = 0; i < per; i++) {
        const started = performance.now();
        await target.once();
        latencies[name].push(performance.now() - started);
      }
      const used = meter();
      for (const key of ['runner', 'processes', 'other']) cpu[name][key] += used[key] * used.seconds;
      cpu[name].seconds += used.seconds;
    }
  }
  const rows = names.map((name) => {
    const s = summary(latencies[name]);
    const c = cpu[name];
    return {
      target: name,
      ...s,
      perSecond: 1000 / s.mean,
      runnerCpuUs: (c.runner * 1e6) / latencies[name].length,
      processCpuUs: (c.processes * 1e6) / latencies[name].length,
      other: c.other / c.seconds,
    };
  });
  rows.other = Math.max(...rows.map((r) => r.other));
  return rows;
}

/** `callers` loops of `once` for `seconds`; invocations/s, latency and CPU. */
async function drive(callers, seconds, pids) {
  const latencies = [];
  const meter = cpuMeter(pids);
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    callers.map(async (once) => {
      while (performance.now() < end) {
        const t = performance.now();
        await once();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return {
    count: latencies.length,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    ...summary(latencies),
    cpu: meter(),
  };
}

async function throughputPart(ctx) {
  const setup = ctx.warmSetup;
  const pool = newPool(ctx, 1);
  for (const [index, concurrency] of ctx.opts.concurrency.entries()) {
    const p = plan(setup, concurrency, `throughput-${concurrency}`);
    await warmInstances(pool, p, concurrency);
    const echoList = Array.from({ length: concurrency }, () => new Echo(setup.runtime.executable));
    const callers = {
      platform: Array.from({ length: concurrency }, () => async () => {
        const lease = await pool.acquire(p, 30_000);
        const ok = await invokeChecked(ctx, lease.instance, `throughput at ${concurrency}`);
        pool.release(lease.instance, ok);
      }),
      bare: echoList.map((echo) => async () => {
        const line = `{"n":${++invocationSeq}}`;
        const back = await echo.send(line);
        if (back !== line) ctx.problem(`bare echo: sent ${line}, got ${back}`);
      }),
    };
    const order = index % 2 === 0 ? ['platform', 'bare'] : ['bare', 'platform'];
    for (const name of order) {
      log(`throughput: ${name}, ${concurrency} at once, 1 s warm-up + ${ctx.opts.seconds} s`);
      const r = await quietly(ctx, `throughput of ${name} at ${concurrency}`, async () => {
        await drive(callers[name], 1);
        const measured = await drive(callers[name], ctx.opts.seconds);
        return { ...measured, other: measured.cpu.other };
      });
      ctx.results.throughput.push({ target: name, concurrency, ...r });
      log(`  ${thousands(r.perSecond)} invocations/s, p50 ${fmt(r.p50, 3)} ms, p99 ${fmt(r.p99, 3)} ms`);
    }
    await Promise.all(echoList.map((e) => e.close()));
  }
  closePool(pool);
}

// ---------------------------------------------------------------------------
// End to end: the API

const graphql = graphqlResponse;

function must({ status, body, text }, what) {
  if (status !== 200 || body.errors || !body.data)
    throw new Error(`${what} failed: HTTP ${status} ${text.slice(0, 500)}`);
  return body.data;
}

async function startApi(ctx) {
  const { startMongo, startRedis, getFreePort, ensureSystemPackages } = require('../../tools/embedded-servers');
  ensureSystemPackages();
  log('end to end: starting MongoDB, Redis and the API');
  const [mongo, redis] = await Promise.all([startMongo(), startRedis()]);
  ctx.databases = { mongo, redis };
  const port = await getFreePort();
  const base = { ...process.env };
  for (const key of Object.keys(base)) if (key.startsWith('BENCH_') || key === 'NODE_OPTIONS') delete base[key];
  const profiling = ctx.opts.profileDir !== null;
  const child = spawn(
    process.execPath,
    [...(profiling ? ['-r', PROFILE_HOOK] : []), path.join(ctx.opts.dist, 'main.js')],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', ...(profiling ? ['ipc'] : [])],
      env: {
        ...base,
        ...(profiling ? { BENCH_CPU_PROFILE_DIR: ctx.opts.profileDir, BENCH_CPU_PROFILE_LABEL: 'api' } : {}),
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PROCESS_ROLE: 'api',
        HOST: '127.0.0.1',
        PORT: String(port),
        MONGODB_URI: `${mongo.uri}/slipway-bench-functions`,
        REDIS_URL: redis.url,
        REDIS_PREFIX: 'slipway-bench-functions',
        JWT_SECRET: 'bench-functions-jwt-secret-0123456789abcdef0123456789',
        JWT_ACCESS_TTL_SECONDS: '86400',
        // Production mode requires a key ring.
        ENCRYPTION_KEYS: `bench:${crypto.randomBytes(32).toString('base64')}`,
        // One caller sends every request: the rate limit is counted on each, but never reached.
        API_RATE_LIMIT_PER_MINUTE: '1000000',
        SANDBOX: 'on',
        FUNCTION_RUNTIMES_DIR: path.join(ROOT, '.runtimes'),
        STORAGE_DIR: path.join(ctx.scratch, 'storage'),
      },
    },
  );
  children.add(child);
  await waitForApi(child, port, children);
  return { child, url: `http://127.0.0.1:${port}/graphql`, mongo, redis };
}

/** Starts or stops the CPU profile of the API (bench/api/cpu-profile-hook.js), with --profile. */
function profileApi(ctx, api, command, label) {
  if (ctx.opts.profileDir === null) return Promise.resolve();
  const answer = command === 'start' ? 'cpu-profile:started' : 'cpu-profile:written';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the API's CPU-profile hook did not answer ${command}`)), 60_000);
    const onMessage = (message) => {
      if (!message || (message.type !== answer && message.type !== 'cpu-profile:error')) return;
      clearTimeout(timer);
      api.child.off('message', onMessage);
      if (message.type === 'cpu-profile:error') return reject(new Error(message.message));
      if (message.file) {
        const file = path.join(
          path.dirname(message.file),
          `api-${label}-${path.basename(message.file).replace(/^api-/, '')}`,
        );
        fs.renameSync(message.file, file);
        log(`  CPU profile: ${path.relative(process.cwd(), file)}`);
      }
      resolve();
    };
    api.child.on('message', onMessage);
    api.child.send(`cpu-profile:${command}`);
  });
}

async function apiPart(ctx) {
  const api = await startApi(ctx);
  const email = `bench-${Date.now().toString(36)}@example.test`;
  const token = must(
    await graphql(api.url, 'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }', {
      input: { email, name: 'Bench User', password: 'benchmark-password-1' },
    }),
    'register',
  ).register.accessToken;
  const projectId = must(
    await graphql(
      api.url,
      'mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }',
      { input: { name: 'Functions benchmark', slug: 'functions-benchmark' } },
      token,
    ),
    'createProject',
  ).createProject.id;
  const runtime = ctx.warmSetup.runtime.id;
  const { handler, files } = HANDLERS.nodejs;
  const createFunction = async (name) =>
    must(
      await graphql(
        api.url,
        'mutation ($input: CreateFunctionInput!) { createFunction(input: $input) { id } }',
        {
          input: {
            projectId,
            name,
            runtime,
            handler,
            files: Object.entries(files).map(([p, content]) => ({ path: p, content })),
          },
        },
        token,
      ),
      'createFunction',
    ).createFunction.id;

  const INVOKE =
    'mutation ($input: InvokeFunctionInput!) { invokeFunction(input: $input) { status coldStart coldStartMs startedAt finishedAt result error { type message } } }';
  const FLOOR = 'query ($id: ID!) { function(id: $id) { id name } }';
  let n = 0;
  const invokeOf = async (id) => {
    const payload = { n: ++n };
    const res = await graphql(api.url, INVOKE, { input: { functionId: id, payload } }, token);
    const inv = res.body.data?.invokeFunction;
    const ok = res.status === 200 && !res.body.errors && inv?.status === 'SUCCEEDED' && inv.result?.n === payload.n;
    if (!ok) ctx.problem(`invokeFunction: HTTP ${res.status} ${res.text.slice(0, 300)}`);
    return inv;
  };

  // Cold starts: the first invocation of the runtime in the API process has no spare (spares are
  // started once a runtime is used); then each new function's first invocation takes the spare.
  const cold = { firstMs: null, firstHttpMs: null, recorded: [], http: [], run: [], warmHttp: [], warmRun: [] };
  const runMs = (inv) => (inv ? Date.parse(inv.finishedAt) - Date.parse(inv.startedAt) : NaN);
  const functionId = await createFunction('echo');
  log(`end to end: function ${functionId} (${runtime}) in project ${projectId}; cold starts`);
  let started = performance.now();
  const first = await invokeOf(functionId);
  cold.firstHttpMs = performance.now() - started;
  if (first && !first.coldStart) ctx.problem('the first invocation of the function was not cold');
  cold.firstMs = first?.coldStartMs ?? null;
  await profileApi(ctx, api, 'start');
  for (let i = 0; i < API_COLD_STARTS; i++) {
    const id = await createFunction(`echo-cold-${i}`);
    // Time for the spare the last cold start took to be replaced.
    await sleep(300);
    started = performance.now();
    const inv = await invokeOf(id);
    cold.http.push(performance.now() - started);
    if (inv && !inv.coldStart) ctx.problem(`the first invocation of function ${i} was not cold`);
    cold.recorded.push(inv?.coldStartMs ?? NaN);
    cold.run.push(runMs(inv));
    // The same function's second invocation, warm, for comparison.
    started = performance.now();
    const again = await invokeOf(id);
    cold.warmHttp.push(performance.now() - started);
    cold.warmRun.push(runMs(again));
  }
  await profileApi(ctx, api, 'stop', 'cold');
  ctx.results.api.cold = {
    firstMs: cold.firstMs,
    firstHttpMs: cold.firstHttpMs,
    ...Object.fromEntries(['recorded', 'http', 'run', 'warmHttp', 'warmRun'].map((k) => [k, summary(cold[k])])),
  };

  const invoke = () => invokeOf(functionId);
  const floor = async () => {
    const res = await graphql(api.url, FLOOR, { id: functionId }, token);
    if (res.status !== 200 || res.body.errors || res.body.data?.function?.id !== functionId)
      ctx.problem(`function(id): HTTP ${res.status} ${res.text.slice(0, 300)}`);
  };

  const targets = { invoke, floor };
  const pids = { api: api.child.pid, mongo: api.mongo.pid };
  const warmup = Math.min(200, ctx.opts.apiRequests);
  for (const once of Object.values(targets)) for (let i = 0; i < warmup; i++) await once();
  const per = Math.ceil(ctx.opts.apiRequests / 2);
  log(`end to end: sequential, ${per * 2} requests per operation`);
  const sequential = await quietly(ctx, 'sequential requests', () => apiSequential(targets, pids, per));
  ctx.results.api.rows.push(...sequential);
  const c = ctx.opts.apiConcurrency;
  for (const name of ['floor', 'invoke']) {
    log(`end to end: ${name}, ${c} at once, 1 s warm-up + ${ctx.opts.apiSeconds} s`);
    const callers = Array.from({ length: c }, () => targets[name]);
    const r = await quietly(ctx, `${name} at ${c}`, async () => {
      await drive(callers, 1, pids);
      await profileApi(ctx, api, 'start');
      const measured = await drive(callers, ctx.opts.apiSeconds, pids);
      await profileApi(ctx, api, 'stop', name);
      return { ...measured, other: measured.cpu.other };
    });
    ctx.results.api.rows.push({
      operation: name,
      concurrency: c,
      ...r,
      apiCpuMsPerRequest: (r.cpu.api * 1000) / r.perSecond,
    });
    log(`  ${thousands(r.perSecond)} requests/s, p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms`);
  }
}

/** `per` sequential requests of each operation, then `per` more in the other order. */
async function apiSequential(targets, pids, per) {
  const latencies = { invoke: [], floor: [] };
  const KEYS = ['api', 'mongo', 'runner', 'processes', 'other'];
  const used = Object.fromEntries(
    Object.keys(targets).map((name) => [name, Object.fromEntries([...KEYS, 'seconds'].map((k) => [k, 0]))]),
  );
  for (const order of [
    ['invoke', 'floor'],
    ['floor', 'invoke'],
  ]) {
    for (const name of order) {
      checkInterrupted();
      const meter = cpuMeter(pids);
      for (let i = 0; i < per; i++) {
        const started = performance.now();
        await targets[name]();
        latencies[name].push(performance.now() - started);
      }
      const m = meter();
      for (const key of KEYS) used[name][key] += (m[key] ?? NaN) * m.seconds;
      used[name].seconds += m.seconds;
    }
  }
  const rows = ['invoke', 'floor'].map((name) => {
    const s = summary(latencies[name]);
    const u = used[name];
    return {
      operation: name,
      concurrency: 1,
      ...s,
      perSecond: latencies[name].length / u.seconds,
      apiCpuMsPerRequest: (u.api * 1000) / latencies[name].length,
      cpu: Object.fromEntries(KEYS.map((k) => [k, u[k] / u.seconds])),
    };
  });
  rows.other = Math.max(...rows.map((r) => r.cpu.other));
  return rows;
}

async function stopApi(ctx) {
  for (const child of [...children]) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    clearTimeout(timer);
  }
  if (ctx.databases) await Promise.all([ctx.databases.mongo.stop(), ctx.databases.redis.stop()]);
}

// ---------------------------------------------------------------------------
// Report

function report(ctx, meta) {
  const { cold, warm, throughput, api } = ctx.results;
  const out = [''];
  out.push(`bench:functions  ${meta.date}`);
  out.push(`machine: ${meta.cpus} CPUs (${meta.cpuModel}), node ${meta.node}, ${meta.platform}`);
  if (cold.length > 0) {
    out.push('');
    out.push(
      `Cold start, ms, ${ctx.opts.coldSamples} rounds per runtime. bare: the interpreter doing nothing, spawn → exit; ` +
        'sandboxed: the same in the sandbox; cold start: acquire → loaded, with the spare ready (spare) or ' +
        'none (no spare, FUNCTION_SPARE_PROCESSES=0); "+1st": to the first invocation answered.',
    );
    out.push(
      table(cold, [
        { title: 'runtime', get: (r) => r.runtime },
        { title: 'version', get: (r) => r.version },
        { title: 'bare p50', get: (r) => fmt(r.bare.p50, 1) },
        { title: 'sandboxed p50', get: (r) => fmt(r.sandboxed.p50, 1) },
        { title: 'spare p50', get: (r) => fmt(r.spare.p50, 1) },
        { title: 'spare p90', get: (r) => fmt(r.spare.p90, 1) },
        { title: '+1st p50', get: (r) => fmt(r.spareFirst.p50, 1) },
        { title: '+1st p90', get: (r) => fmt(r.spareFirst.p90, 1) },
        { title: 'no spare p50', get: (r) => fmt(r.noSpare.p50, 1) },
        { title: 'no spare p90', get: (r) => fmt(r.noSpare.p90, 1) },
        { title: '+1st p50 ', get: (r) => fmt(r.noSpareFirst.p50, 1) },
        { title: '+1st p90 ', get: (r) => fmt(r.noSpareFirst.p90, 1) },
        { title: 'other CPU', get: (r) => pct(r.cpu.other) },
      ]),
    );
    const aimed = cold.filter((r) => /^(nodejs|python)/.test(r.runtime));
    if (aimed.length > 0) {
      const worst = aimed.reduce((a, r) => (r.spare.p50 > a.spare.p50 ? r : a));
      const worstFirst = aimed.reduce((a, r) => (r.spareFirst.p50 > a.spareFirst.p50 ? r : a));
      const met = worst.spare.p50 <= 20 && worstFirst.spareFirst.p50 <= 20;
      out.push(
        `aim: cold start p50 <= 20 ms for Node.js and Python: ${met ? 'met' : 'NOT met'} ` +
          `(highest with a spare: ${worst.runtime} ${fmt(worst.spare.p50, 1)} ms loaded, ` +
          `${worstFirst.runtime} ${fmt(worstFirst.spareFirst.p50, 1)} ms to the first invocation answered)`,
      );
    }
  }
  if (warm.length > 0) {
    out.push('');
    out.push(
      `Warm latency, ms: ${ctx.warmSetup.runtime.id}, one instance, ${ctx.opts.invocations} sequential ` +
        '`instance.process.invoke` calls (platform; no peak memory: another instance whose peak memory is not ' +
        'read) beside round trips of a line to a bare Node.js echo process (bare).',
    );
    out.push(
      table(warm, [
        { title: 'target', get: (r) => r.target },
        { title: 'p50', get: (r) => fmt(r.p50, 3) },
        { title: 'p90', get: (r) => fmt(r.p90, 3) },
        { title: 'p99', get: (r) => fmt(r.p99, 3) },
        { title: 'max', get: (r) => fmt(r.max, 2) },
        { title: 'mean', get: (r) => fmt(r.mean, 3) },
        { title: 'per second', get: (r) => thousands(r.perSecond) },
        { title: 'runner CPU µs each', get: (r) => fmt(r.runnerCpuUs, 1) },
        { title: 'process CPU µs each', get: (r) => fmt(r.processCpuUs, 1) },
        { title: 'other CPU', get: (r) => pct(r.other) },
      ]),
    );
    const platform = warm.find((r) => r.target === 'platform');
    const bare = warm.find((r) => r.target === 'bare');
    const overhead = platform.p50 - bare.p50;
    const noPeak = warm.find((r) => r.target === 'no peak memory');
    out.push(
      `warm overhead (platform p50 − bare p50): ${fmt(overhead, 3)} ms; p99 ${fmt(platform.p99 - bare.p99, 3)} ms. ` +
        `aim <= 1 ms: ${overhead <= 1 ? 'met' : 'NOT met'}`,
    );
    out.push(
      `of which the peak-memory readings (platform p50 − no peak memory p50): ${fmt(platform.p50 - noPeak.p50, 3)} ms`,
    );
  }
  if (throughput.length > 0) {
    out.push('');
    out.push(
      `Throughput: C callers over C warm instances (acquire → invoke → release), or over C bare echo processes; ` +
        `${ctx.opts.seconds} s each after 1 s of warm-up. runner CPU: this process (pool and callers); process: the ` +
        'runtime or echo processes; other: the rest of the machine.',
    );
    out.push(
      table(throughput, [
        { title: 'C', get: (r) => r.concurrency },
        { title: 'target', get: (r) => r.target },
        { title: 'invocations/s', get: (r) => thousands(r.perSecond) },
        { title: 'invocations', get: (r) => r.count },
        { title: 'p50 ms', get: (r) => fmt(r.p50, 3) },
        { title: 'p99 ms', get: (r) => fmt(r.p99, 3) },
        { title: 'runner CPU', get: (r) => pct(r.cpu.runner) },
        { title: 'process CPU', get: (r) => pct(r.cpu.processes) },
        { title: 'other CPU', get: (r) => pct(r.cpu.other) },
      ]),
    );
    const lowest = throughput
      .filter((r) => r.target === 'platform')
      .reduce((a, r) => (r.perSecond < a.perSecond ? r : a));
    out.push(
      `aim >= 2,000 warm invocations/s: ${lowest.perSecond >= 2000 ? 'met' : 'NOT met'} (lowest: ${thousands(lowest.perSecond)}/s at ${lowest.concurrency})`,
    );
  }
  if (api.rows.length > 0) {
    out.push('');
    out.push(
      `End to end: POST /graphql to the real API; invoke = invokeFunction (SYNC) of the ${ctx.warmSetup.runtime.id} ` +
        'echo function, floor = the function(id) query.',
    );
    out.push(
      table(api.rows, [
        { title: 'operation', get: (r) => r.operation },
        { title: 'at once', get: (r) => r.concurrency },
        { title: 'p50 ms', get: (r) => fmt(r.p50, 2) },
        { title: 'p90 ms', get: (r) => fmt(r.p90, 2) },
        { title: 'p99 ms', get: (r) => fmt(r.p99, 2) },
        { title: 'requests/s', get: (r) => thousands(r.perSecond) },
        { title: 'API CPU', get: (r) => pct(r.cpu.api) },
        { title: 'API CPU ms each', get: (r) => fmt(r.apiCpuMsPerRequest, 2) },
        { title: 'MongoDB CPU', get: (r) => pct(r.cpu.mongo) },
        { title: 'client CPU', get: (r) => pct(r.cpu.runner) },
        { title: 'runtime+Redis CPU', get: (r) => pct(r.cpu.processes) },
        { title: 'other CPU', get: (r) => pct(r.cpu.other) },
      ]),
    );
    const c = api.cold;
    if (c) {
      out.push(
        `Cold start through the API (coldStartMs as recorded; then the whole request): the runtime's first ` +
          `invocation in the process, no spare yet: ${fmt(c.firstMs, 1)} ms (${fmt(c.firstHttpMs, 1)} ms); ` +
          `a new function's first invocation with a spare, ${c.recorded.n} functions: p50 ${fmt(c.recorded.p50, 1)} ` +
          `ms, p90 ${fmt(c.recorded.p90, 1)} ms (request p50 ${fmt(c.http.p50, 1)} ms, p90 ${fmt(c.http.p90, 1)} ms; ` +
          `startedAt → finishedAt p50 ${fmt(c.run.p50, 0)} ms); its second invocation: request p50 ` +
          `${fmt(c.warmHttp.p50, 1)} ms, startedAt → finishedAt p50 ${fmt(c.warmRun.p50, 0)} ms.`,
      );
    }
  }
  out.push('');
  out.push(`CPU columns: shares of one core during the measured run, from /proc. Took ${fmt(meta.seconds, 0)} s.`);
  return out.join('\n');
}

// ---------------------------------------------------------------------------
// Main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  QUIET = opts.quiet;
  const started = Date.now();
  if (opts.dist === DEFAULT_DIST) buildIfNeeded(opts.build);
  const dist = loadDist(opts.dist);
  const reason = dist.sandboxUnavailableReason();
  if (reason) throw new Error(`the sandbox is not available: ${reason}`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-functions-'));
  // The sandbox's users read the task directories through their binds.
  fs.chmodSync(scratch, 0o755);
  const ctx = {
    opts,
    dist,
    scratch,
    executor: new dist.SandboxExecutor(),
    problems: [],
    problem(message) {
      this.problems.push(message);
      log(`  PROBLEM: ${message}`);
    },
    results: { cold: [], warm: [], throughput: [], api: { rows: [], cold: null } },
  };
  current = ctx;
  try {
    const installs = await dist.discoverRuntimes({ runtimesDir: path.join(ROOT, '.runtimes') });
    const runtimes = opts.parts.includes('cold') ? selectRuntimes(installs, opts.runtimes) : [];
    const warmRuntime = installs.find((r) => r.id === opts.warmRuntime);
    if (!warmRuntime || !warmRuntime.available || warmRuntime.language !== 'nodejs')
      throw new Error(`--warm-runtime: ${opts.warmRuntime} is not an available Node.js runtime`);
    ctx.setups = [];
    for (const runtime of runtimes) ctx.setups.push(await prepareRuntime(ctx, runtime));
    ctx.warmSetup = ctx.setups.find((s) => s.runtime.id === warmRuntime.id) ?? (await prepareRuntime(ctx, warmRuntime));
    log(`runtimes: ${runtimes.map((r) => r.id).join(', ') || '-'}; warm parts on ${warmRuntime.id}`);

    if (opts.parts.includes('cold')) await coldPart(ctx);
    if (opts.parts.includes('warm')) await warmPart(ctx);
    if (opts.parts.includes('throughput')) await throughputPart(ctx);
    if (opts.parts.includes('api')) await apiPart(ctx);
    checkInterrupted();

    const meta = runMeta('functions', started);
    process.stdout.write(`${report(ctx, meta)}\n`);
    if (opts.json) {
      fs.mkdirSync(path.dirname(opts.json), { recursive: true });
      fs.writeFileSync(
        opts.json,
        `${JSON.stringify({ meta, options: opts, results: ctx.results, problems: ctx.problems }, null, 2)}\n`,
      );
      log(`wrote ${opts.json}`);
    }
    if (ctx.problems.length > 0) {
      process.stderr.write(
        `[bench:functions] FAILED: ${ctx.problems.length} problem(s); the figures are not valid:\n  ${ctx.problems.slice(0, 20).join('\n  ')}\n`,
      );
      process.exitCode = 1;
    }
  } finally {
    await stopApi(ctx);
    stopEverything();
    fs.rmSync(scratch, { recursive: true, force: true });
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
      stopEverything();
      process.exit(130);
    }
    interrupted = true;
    process.exitCode = 130;
    process.stderr.write(`[bench:functions] ${signal}: stopping (again to force)\n`);
    stopEverything();
    void (current ? stopApi(current) : Promise.resolve()).finally(() => process.exit(130));
    setTimeout(() => process.exit(130), 20_000).unref();
  });
}
process.on('exit', () => stopEverything());

main().catch((error) => {
  if (interrupted) return;
  process.stderr.write(`[bench:functions] ${error && error.stack ? error.stack : error}\n`);
  process.exitCode = 1;
});
