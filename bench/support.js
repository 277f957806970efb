'use strict';
/** Helpers the benchmark runners share: files, /proc figures, GraphQL requests, tables. */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CLK_TCK = 100; // Linux USER_HZ; /proc times are in these ticks.

/** The newest modification time of the files below `dir` that `filter` keeps. */
function newestMtime(dir, filter) {
  let newest = 0;
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (filter(p)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

/** A file's modification time, or -1 when it does not exist. */
function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/** Seconds of CPU the whole machine has spent busy since boot, from /proc/stat; null when unreadable. */
function machineBusySeconds() {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + (steal || 0)) / CLK_TCK;
  } catch {
    return null;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function httpOk(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}

const pct = (n) => (n === null || n === undefined || Number.isNaN(n) ? '-' : `${Math.round(n * 100)}%`);

/** Nearest-rank percentile `p` (0–100) of sorted numbers; NaN when there are none. */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Follows a spawned API process: keeps the last 60 lines of its output, forgets it in `children`
 * once it exits, and resolves with those lines once `/healthz` on `port` answers (throws, with
 * them, when it exits or is not ready within 90 s).
 */
async function waitForApi(child, port, children) {
  const tail = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      for (const line of chunk.split('\n')) if (line) tail.push(line) > 60 && tail.shift();
    });
  }
  let exit = null;
  child.once('exit', (code, signal) => {
    children.delete(child);
    exit = { code, signal };
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exit) throw new Error(`the API exited (${exit.signal ?? exit.code}):\n  ${tail.join('\n  ')}`);
    if (await httpOk(`http://127.0.0.1:${port}/healthz`).catch(() => false)) return tail;
    if (Date.now() > deadline) throw new Error(`the API was not ready within 90 s:\n  ${tail.join('\n  ')}`);
    await sleep(100);
  }
}

/** A GraphQL request over HTTP; resolves with the status, the parsed body and its text. */
async function graphqlResponse(url, query, variables, token) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${url}: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  return { status: res.status, body, text };
}

/**
 * A GraphQL request over HTTP; resolves with `data`, throws with the answer's start on an HTTP
 * error, a GraphQL error or an answer that is not JSON.
 */
async function graphql(url, query, variables, token) {
  const { status, body, text } = await graphqlResponse(url, query, variables, token);
  if (status !== 200 || body.errors || !body.data) {
    throw new Error(`GraphQL ${query.slice(0, 60).replace(/\s+/g, ' ')}…: HTTP ${status} ${text.slice(0, 500)}`);
  }
  return body.data;
}

/** A figure with `digits` decimals, or '-' when there is none. */
const fmt = (n, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));

/** Count, p50 and p99 of a list of numbers. */
function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/**
 * Compiles dist/ with tsc: `always`, `never`, or (`auto`) only when it is missing or older than src/.
 * `log` reports that it does.
 */
function buildIfNeeded(mode, log) {
  if (mode === 'never') return;
  const root = path.resolve(__dirname, '..');
  const stale =
    mtime(path.join(root, 'dist', 'main.js')) < newestMtime(path.join(root, 'src'), (p) => p.endsWith('.ts'));
  if (mode === 'auto' && !stale) return;
  log('building dist/');
  const built = require('node:child_process').spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('tsc failed');
}

/** Registers a new user and creates a project named `projectName`; resolves with `{ token, projectId }`. */
async function registerWithProject(url, projectName) {
  const email = `bench-${Date.now().toString(36)}@example.test`;
  const { register } = await graphql(
    url,
    'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }',
    { input: { email, name: 'Bench User', password: 'benchmark-password-1' } },
  );
  const token = register.accessToken;
  const { createProject } = await graphql(
    url,
    'mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }',
    { input: { name: projectName } },
    token,
  );
  return { token, projectId: createProject.id };
}

/** A plain-text table: the first column left-aligned, the others right-aligned. */
function table(rows, columns) {
  const cells = rows.map((r) => columns.map((c) => String(c.get(r))));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i].length)));
  const line = (values) => values.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [line(columns.map((c) => c.title)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/**
 * What a benchmark's report says of its run: when, on what machine and Node, the command that
 * ran it (`bench/<name>/run.js` and its arguments), and, given when it started, how long it took.
 */
function runMeta(name, started) {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpus: cpus.length,
    cpuModel: (cpus[0] && cpus[0].model) || 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    command: `node bench/${name}/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    ...(started === undefined ? {} : { seconds: (Date.now() - started) / 1000 }),
  };
}

/**
 * The environment of an API process a benchmark starts: this process's own (less BENCH_* and
 * NODE_OPTIONS), production mode, every role, loopback on `port`, a database and Redis prefix
 * named after the benchmark, fixed long-lived sessions, no rate limit; `extra` on top.
 */
function benchApiEnv(name, { mongoUri, redisUrl, port, scratch, keys }, extra = {}) {
  const base = { ...process.env };
  for (const key of Object.keys(base)) if (key.startsWith('BENCH_') || key === 'NODE_OPTIONS') delete base[key];
  return {
    ...base,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PROCESS_ROLE: 'all',
    HOST: '127.0.0.1',
    PORT: String(port),
    MONGODB_URI: mongoUri,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `slipway-bench-${name}`,
    JWT_SECRET: `bench-${name}-jwt-secret-0123456789abcdef0123456789`,
    JWT_ACCESS_TTL_SECONDS: '86400',
    ENCRYPTION_KEYS: keys ?? `bench:${require('node:crypto').randomBytes(32).toString('base64')}`,
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    STORAGE_DIR: path.join(scratch, 'storage'),
    ...extra,
  };
}

/** Stops every child process of `children`: SIGTERM, then SIGKILL after 10 s. */
async function stopChildren(children) {
  for (const child of [...children]) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    clearTimeout(timer);
  }
}

/** Runs git in `cwd` with a fixed identity and no user or system configuration; resolves with its output. */
function git(cwd, ...args) {
  return require('node:child_process')
    .execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: cwd,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'Bench',
        GIT_AUTHOR_EMAIL: 'bench@example.test',
        GIT_COMMITTER_NAME: 'Bench',
        GIT_COMMITTER_EMAIL: 'bench@example.test',
      },
    })
    .trim();
}

module.exports = {
  runMeta,
  CLK_TCK,
  newestMtime,
  mtime,
  machineBusySeconds,
  sleep,
  httpOk,
  waitForApi,
  graphqlResponse,
  graphql,
  pct,
  percentile,
  table,
  fmt,
  summary,
  buildIfNeeded,
  registerWithProject,
  benchApiEnv,
  stopChildren,
  git,
};
