#!/usr/bin/env node
'use strict';

/**
 * CLI benchmark (`npm run bench:cli`): what the `slipway` command costs a user at the terminal and
 * in CI, each figure beside a baseline measured in the same run. See docs/benchmarks.md, "CLI".
 *
 * What it does:
 *   1. builds dist/ and dist-cli/ when they are missing or older than their sources; starts an
 *      embedded MongoDB and Redis and the real API (`node dist/main.js`, NODE_ENV=production,
 *      PROCESS_ROLE=all, local repositories allowed); registers a user and a project, makes an API
 *      token, and runs one build whose command prints `--lines` lines;
 *   2. start-up: `slipway --help`, then `slipway whoami --json` (one GraphQL request), `--runs`
 *      times each, one after the other; baseline: `node -e 0`, then a bare Node.js script that sends
 *      the same `me` query with fetch. Wall time of each process, p50 and p99, and its peak RSS
 *      (from GNU time when installed);
 *   3. log replay: `slipway logs <buildId>` printing the build's stored log to a pipe, `--rounds`
 *      times; baseline: a bare Node.js script paging `buildLogs(afterSeq, first: 1000)` with fetch
 *      and printing the same lines. Every run must print every line once, in order;
 *   4. prints the table and stops everything it started. Exits 1 when a step fails.
 *
 * Usage: node bench/cli/run.js [options]      (npm run bench:cli -- [options])
 *   --runs=N      start-up runs of each command                  (default 20)
 *   --lines=N     lines the build prints                          (default 20000)
 *   --rounds=N    log replays of each kind                        (default 5)
 *   --build / --no-build  always / never compile (default: only when stale)
 *   --json=FILE   also write the raw figures as JSON
 *   --quiet       no progress lines on stderr
 */

const crypto = require('node:crypto');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  waitForApi,
  graphql,
  table,
  runMeta,
  sleep,
  fmt,
  summary,
  buildIfNeeded,
  registerWithProject,
  mtime,
  newestMtime,
  benchApiEnv,
  stopChildren,
  git,
} = require('../support');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'cli', 'bin', 'slipway.js');
const GNU_TIME = ['/usr/bin/time'].find((p) => fs.existsSync(p));
const children = new Set();
let QUIET = false;

const log = (line) => {
  if (!QUIET) process.stderr.write(`[bench:cli] ${line}\n`);
};

function parseArgs(argv) {
  const opts = { runs: 20, lines: 20_000, rounds: 5, build: 'auto', json: null, quiet: false };
  for (const arg of argv) {
    const [key, value] = arg.replace(/^--/, '').split('=');
    if (key === 'build') opts.build = 'always';
    else if (key === 'no-build') opts.build = 'never';
    else if (key === 'quiet') opts.quiet = true;
    else if (key === 'json') opts.json = path.resolve(value);
    else if (['runs', 'lines', 'rounds'].includes(key)) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${key} takes a positive whole number`);
      opts[key] = n;
    } else throw new Error(`unknown option ${arg} (see the header of bench/cli/run.js)`);
  }
  return opts;
}

function buildCliIfNeeded(mode) {
  if (mode === 'never') return;
  const built = mtime(path.join(ROOT, 'dist-cli', 'cli', 'src', 'main.js'));
  const sources = Math.max(
    ...['cli', 'client'].map((dir) => newestMtime(path.join(ROOT, dir), (p) => p.endsWith('.ts'))),
  );
  if (mode === 'auto' && built >= sources) return;
  log('building dist-cli/');
  const result = spawnSync('npx', ['tsc', '-p', 'tsconfig.cli.json'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('tsc failed');
}

async function startApi(ctx) {
  const { startMongo, startRedis, getFreePort } = require('../../tools/embedded-servers');
  log('starting MongoDB, Redis and the API');
  const [mongo, redis] = await Promise.all([startMongo(), startRedis()]);
  ctx.servers = [mongo, redis];
  const port = await getFreePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: benchApiEnv(
      'cli',
      { mongoUri: `${mongo.uri}/slipway-bench-cli`, redisUrl: redis.url, port, scratch: ctx.scratch },
      { ALLOW_LOCAL_REPOSITORIES: 'true' },
    ),
  });
  children.add(child);
  ctx.apiTail = await waitForApi(child, port, children);
  return `http://127.0.0.1:${port}/graphql`;
}

async function stopAll(ctx) {
  await stopChildren(children);
  if (ctx.servers) await Promise.all(ctx.servers.map((s) => s.stop().catch(() => undefined)));
}

/** A build whose command prints `lines` numbered lines; resolves with its id once it succeeded. */
async function chattyBuild(ctx, url, session) {
  const repo = path.join(ctx.scratch, 'repo');
  fs.mkdirSync(repo);
  git(repo, 'init', '--quiet', '--initial-branch=main');
  fs.writeFileSync(path.join(repo, 'index.html'), '<h1>bench</h1>\n');
  fs.writeFileSync(
    path.join(repo, 'chatty.js'),
    `for (let i = 1; i <= ${ctx.opts.lines}; i++) process.stdout.write('line ' + i + '\\n');\n`,
  );
  git(repo, 'add', '--all');
  git(repo, 'commit', '--quiet', '-m', 'Bench');
  await graphql(
    url,
    'mutation ($input: UpdateBuildSettingsInput!) { updateBuildSettings(input: $input) { projectId } }',
    {
      input: {
        projectId: session.projectId,
        repositoryUrl: repo,
        buildCommand: 'node chatty.js',
        installCommand: 'true',
        outputDirectory: '.',
      },
    },
    session.token,
  );
  const { createBuild } = await graphql(
    url,
    'mutation ($input: CreateBuildInput!) { createBuild(input: $input) { id } }',
    { input: { projectId: session.projectId, branch: 'main' } },
    session.token,
  );
  log(`build ${createBuild.id} prints ${ctx.opts.lines} lines`);
  const deadline = Date.now() + 300_000;
  for (;;) {
    const { build } = await graphql(
      url,
      'query ($id: ID!) { build(id: $id) { status error logLines } }',
      { id: createBuild.id },
      session.token,
    );
    if (build.status === 'SUCCEEDED') return { id: createBuild.id, logLines: build.logLines };
    if (['FAILED', 'CANCELLED', 'TIMED_OUT'].includes(build.status))
      throw new Error(`the bench build ended ${build.status}: ${build.error}`);
    if (Date.now() > deadline) throw new Error('the bench build did not finish in 5 minutes');
    await sleep(250);
  }
}

/** Runs a command to the end with stdout piped; resolves with wall ms, peak RSS (kB, GNU time) and stdout. */
function timed(command, args, env) {
  const statsFile = path.join(os.tmpdir(), `slipway-bench-cli-${process.pid}-${crypto.randomUUID()}`);
  const [file, argv] = GNU_TIME ? [GNU_TIME, ['-f', '%M', '-o', statsFile, command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    let err = '';
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => (err += c));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let rssKb = null;
      if (GNU_TIME) {
        rssKb = Number(fs.readFileSync(statsFile, 'utf8').trim().split('\n').pop());
        fs.rmSync(statsFile, { force: true });
      }
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.slice(0, 500)}`));
      else resolve({ ms, rssKb, stdout: Buffer.concat(out).toString('utf8') });
    });
  });
}

const BARE_ME = `
fetch(process.env.URL, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer ' + process.env.TOKEN },
  body: JSON.stringify({ query: '{ me { id email name } }' }),
}).then((r) => r.json()).then((b) => { if (!b.data) process.exit(1); process.stdout.write(JSON.stringify(b.data) + '\\n'); });
`;

const BARE_LOGS = `
(async () => {
  let after = 0;
  for (;;) {
    const res = await fetch(process.env.URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + process.env.TOKEN },
      body: JSON.stringify({
        query: 'query ($id: ID!, $after: Int!) { buildLogs(buildId: $id, afterSeq: $after, first: 1000) { seq text } }',
        variables: { id: process.env.BUILD, after },
      }),
    });
    const body = await res.json();
    if (!body.data) process.exit(1);
    const lines = body.data.buildLogs;
    if (lines.length === 0) break;
    process.stdout.write(lines.map((l) => l.text).join('\\n') + '\\n');
    after = lines[lines.length - 1].seq;
  }
})();
`;

/** Checks that `stdout` holds `line 1` … `line N` once each, in order. */
function checkLines(stdout, n, what) {
  const numbers = stdout
    .split('\n')
    .map((l) => /\bline (\d+)$/.exec(l))
    .filter(Boolean)
    .map((m) => Number(m[1]));
  if (numbers.length !== n || numbers.some((v, i) => v !== i + 1))
    throw new Error(`${what} printed ${numbers.length} of ${n} lines, or out of order`);
}

async function measure(label, runs, run) {
  const times = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    const { ms, rssKb } = await run();
    times.push(ms);
    if (rssKb !== null) rss.push(rssKb / 1024);
  }
  log(`${label}: p50 ${fmt(summary(times).p50)} ms`);
  return { label, wall: summary(times), rssMb: rss.length ? summary(rss) : null };
}

function report(results, meta) {
  const rows = results.map((r) => ({ ...r }));
  const columns = [
    { title: 'what', get: (r) => r.label },
    { title: 'runs', get: (r) => r.wall.n },
    { title: 'p50 ms', get: (r) => fmt(r.wall.p50) },
    { title: 'p99 ms', get: (r) => fmt(r.wall.p99) },
    { title: 'peak RSS p50 MB', get: (r) => (r.rssMb ? fmt(r.rssMb.p50) : '-') },
  ];
  return [
    `CLI benchmark — ${meta.date}, ${meta.cpus} × ${meta.cpuModel}, Node ${meta.node}`,
    `command: ${meta.command} (${fmt(meta.seconds, 0)} s)`,
    '',
    table(rows, columns),
  ].join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  QUIET = opts.quiet;
  const started = Date.now();
  buildIfNeeded(opts.build, log);
  buildCliIfNeeded(opts.build);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-cli-'));
  const ctx = { opts, scratch };
  const stop = () => stopAll(ctx).finally(() => process.exit(1));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const url = await startApi(ctx);
    const session = await registerWithProject(url, 'CLI bench');
    const build = await chattyBuild(ctx, url, session);
    const env = {
      PATH: process.env.PATH,
      HOME: scratch,
      SLIPWAY_CONFIG_DIR: path.join(scratch, 'config'),
      SLIPWAY_API_URL: url,
      SLIPWAY_TOKEN: session.token,
      NO_COLOR: '1',
      URL: url,
      TOKEN: session.token,
      BUILD: build.id,
    };
    const node = process.execPath;
    const results = [];
    results.push(await measure('node -e 0 (baseline)', opts.runs, () => timed(node, ['-e', '0'], env)));
    results.push(await measure('slipway --help', opts.runs, () => timed(node, [BIN, '--help'], env)));
    results.push(await measure('bare fetch of me (baseline)', opts.runs, () => timed(node, ['-e', BARE_ME], env)));
    results.push(await measure('slipway whoami --json', opts.runs, () => timed(node, [BIN, 'whoami', '--json'], env)));
    const replay = async (label, args) =>
      measure(label, opts.rounds, async () => {
        const run = await timed(node, args, env);
        checkLines(run.stdout, opts.lines, label);
        return run;
      });
    results.push(await replay(`bare paging of ${opts.lines} log lines (baseline)`, ['-e', BARE_LOGS]));
    results.push(await replay(`slipway logs (${opts.lines} lines)`, [BIN, 'logs', build.id]));
    const meta = runMeta('cli', started);
    process.stdout.write(`${report(results, meta)}\n`);
    if (opts.json) {
      fs.mkdirSync(path.dirname(opts.json), { recursive: true });
      fs.writeFileSync(opts.json, JSON.stringify({ meta, opts, results }, null, 2));
    }
  } catch (error) {
    process.stderr.write(`[bench:cli] failed: ${error.stack ?? error}\n`);
    if (ctx.apiTail) process.stderr.write(`API output:\n  ${ctx.apiTail.join('\n  ')}\n`);
    process.exitCode = 1;
  } finally {
    await stopAll(ctx);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main();
