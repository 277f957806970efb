#!/usr/bin/env node
'use strict';

/**
 * Managed databases benchmark (`npm run bench:databases`): query console latency, and backup and
 * restore throughput, of a PostgreSQL and a MariaDB database the API provisioned, each beside the
 * same work done directly with the engine's own client and tools in the same run. See
 * docs/benchmarks.md, "Managed databases".
 *
 * What it does:
 *   1. builds dist/ when it is missing or older than src/; starts embedded MongoDB and Redis for
 *      the platform, the database hosts (PostgreSQL, MariaDB, Redis, MongoDB) and the real API
 *      (`node dist/main.js`, NODE_ENV=production, PROCESS_ROLE=all, LOG_LEVEL=warn); registers a
 *      user and a project;
 *   2. per engine (`--engines`): `createDatabase`, waits until it is AVAILABLE, and loads `--rows`
 *      rows (an id, a text of ~100 bytes, a number, a timestamp) through the returned connection
 *      string with the engine's client;
 *   3. query console: `--queries` `executeQuery` point lookups by id (a parameter) and as many reads
 *      of 1,000 rows, one after the other; baseline: the same statements with the engine's client,
 *      a new connection each (as the console makes), and on one open connection;
 *   4. backup: `createBackup`, waited for until SUCCEEDED; baseline: the engine's dump tool
 *      (pg_dump / mariadb-dump) piped through gzip into a file, as the user, by hand;
 *   5. restore: `restoreBackup` into the same database, waited for until SUCCEEDED; baseline: the
 *      plain dump loaded with psql / mariadb into a fresh database;
 *   6. prints the table and stops everything it started. Exits 1 when a step fails.
 *
 * Usage: node bench/databases/run.js [options]      (npm run bench:databases -- [options])
 *   --engines=LIST   POSTGRESQL,MYSQL                              (default both)
 *   --rows=N         rows loaded in each database                  (default 200000)
 *   --queries=N      console statements of each kind               (default 200)
 *   --build / --no-build  always / never run tsc on dist/ (default: only when it is stale)
 *   --json=FILE      also write the raw figures as JSON
 *   --quiet          no progress lines on stderr
 */

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { pipeline } = require('node:stream/promises');
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
  benchApiEnv,
  stopChildren,
} = require('../support');

const ROOT = path.resolve(__dirname, '..', '..');
const ENGINES = ['POSTGRESQL', 'MYSQL'];

function parseArgs(argv) {
  const opts = { engines: ENGINES, rows: 200_000, queries: 200, build: 'auto', json: null, quiet: false };
  const positive = (value, name) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
  for (const arg of argv) {
    const [key, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg];
    if (key === '--rows') opts.rows = positive(value, key);
    else if (key === '--queries') opts.queries = positive(value, key);
    else if (key === '--engines') {
      opts.engines = value.split(',').map((e) => e.trim().toUpperCase());
      for (const engine of opts.engines)
        if (!ENGINES.includes(engine)) throw new Error(`--engines: ${engine} is not one of ${ENGINES}`);
    } else if (key === '--build') opts.build = 'always';
    else if (key === '--no-build') opts.build = 'never';
    else if (key === '--json') opts.json = value;
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
  if (!QUIET) process.stderr.write(`[bench:databases] ${msg}\n`);
};

// ---------------------------------------------------------------------------
// Servers and the API

const children = new Set();

async function startApi(ctx) {
  const { startMongo, startRedis, startDatabaseHosts, getFreePort } = require('../../tools/embedded-servers');
  log('starting MongoDB, Redis, the database hosts and the API');
  const [mongo, redis, hosts] = await Promise.all([startMongo(), startRedis(), startDatabaseHosts()]);
  ctx.servers = [mongo, redis, hosts];
  ctx.hosts = JSON.parse(hosts.hosts);
  const port = await getFreePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: benchApiEnv(
      'databases',
      { mongoUri: `${mongo.uri}/slipway-bench-databases`, redisUrl: redis.url, port, scratch: ctx.scratch },
      { DATABASE_HOSTS: hosts.hosts },
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

/** Asks `read` every 100 ms until it returns something other than undefined (at most `ms`). */
async function until(what, ms, read) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms / 1000} s`);
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------
// Engines: the client, the statements and the tools of each

const TEXT = 'x'.repeat(90);

const SQL = {
  POSTGRESQL: {
    createTable:
      'CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL, amount numeric(12,2), created_at timestamptz)',
    lookup: 'SELECT * FROM items WHERE id = $1',
    page: 'SELECT * FROM items ORDER BY id LIMIT 1000',
    async connect(url) {
      const { Client } = require('pg');
      const client = new Client({ connectionString: url });
      await client.connect();
      return { query: (sql, params) => client.query(sql, params), end: () => client.end() };
    },
    async insertBatch(client, from, count) {
      const values = [];
      const params = [];
      for (let i = 0; i < count; i++) {
        const id = from + i;
        params.push(id, `${TEXT}-${id}`, (id % 10_000) / 100, new Date(1_700_000_000_000 + id * 1000).toISOString());
        values.push(`($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`);
      }
      await client.query(`INSERT INTO items VALUES ${values.join(',')}`, params);
    },
    dumpArgs: (u) => [
      'pg_dump',
      [
        '--format=plain',
        '--no-owner',
        '--no-privileges',
        '-h',
        u.hostname,
        '-p',
        u.port,
        '-U',
        u.username,
        u.pathname.slice(1),
      ],
      { PGPASSWORD: u.password },
    ],
    loadArgs: (admin, db) => [
      'psql',
      [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '--single-transaction',
        '-h',
        admin.hostname,
        '-p',
        admin.port,
        '-U',
        admin.username,
        db,
      ],
      { PGPASSWORD: admin.password },
    ],
    async freshDatabase(adminUrl, name) {
      const { Client } = require('pg');
      const admin = new Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      return async () => {
        const again = new Client({ connectionString: adminUrl });
        await again.connect();
        await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await again.end();
      };
    },
  },
  MYSQL: {
    createTable:
      'CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL, amount decimal(12,2), created_at datetime(3))',
    lookup: 'SELECT * FROM items WHERE id = ?',
    page: 'SELECT * FROM items ORDER BY id LIMIT 1000',
    async connect(url) {
      const mysql = require('mysql2/promise');
      const connection = await mysql.createConnection(url);
      return { query: (sql, params) => connection.query(sql, params), end: () => connection.end() };
    },
    async insertBatch(client, from, count) {
      const rows = [];
      for (let i = 0; i < count; i++) {
        const id = from + i;
        rows.push([id, `${TEXT}-${id}`, (id % 10_000) / 100, new Date(1_700_000_000_000 + id * 1000)]);
      }
      await client.query('INSERT INTO items VALUES ?', [rows]);
    },
    dumpArgs: (u) => [
      'mariadb-dump',
      [
        '--single-transaction',
        '--no-tablespaces',
        '--skip-comments',
        '-h',
        u.hostname,
        '-P',
        u.port,
        '-u',
        u.username,
        u.pathname.slice(1),
      ],
      { MYSQL_PWD: u.password },
    ],
    loadArgs: (admin, db) => [
      'mariadb',
      ['-h', admin.hostname, '-P', admin.port, '-u', admin.username, db],
      { MYSQL_PWD: admin.password },
    ],
    async freshDatabase(adminUrl, name) {
      const mysql = require('mysql2/promise');
      const admin = await mysql.createConnection(adminUrl);
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      return async () => {
        const again = await mysql.createConnection(adminUrl);
        await again.query(`DROP DATABASE IF EXISTS ${name}`);
        await again.end();
      };
    },
  },
};

/** Runs `command args` with `env` added, stdin from `input` (a file) or none, stdout to `output`. */
function runTool([command, args, env], { input, output }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: [input ? fs.openSync(input, 'r') : 'ignore', output ? 'pipe' : 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    const piped = output ? pipeline(child.stdout, zlib.createGzip(), fs.createWriteStream(output)) : Promise.resolve();
    child.once('error', reject);
    child.once('exit', (code) => {
      piped.then(() => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr}`))), reject);
    });
  });
}

// ---------------------------------------------------------------------------
// The parts

const CREATE = `mutation ($input: CreateDatabaseInput!) {
  createDatabase(input: $input) { database { id } connectionString }
}`;
const STATUS = 'query ($id: ID!) { database(id: $id) { status failureReason } }';
const EXECUTE = `mutation ($input: ExecuteQueryInput!) {
  executeQuery(input: $input) { rowCount truncated durationMs }
}`;
const BACKUP = 'mutation ($input: CreateBackupInput!) { createBackup(input: $input) { id } }';
const BACKUP_STATUS = 'query ($id: ID!) { backup(id: $id) { status sizeBytes failureReason } }';
const RESTORE = 'mutation ($input: RestoreBackupInput!) { restoreBackup(input: $input) { id } }';
const RESTORE_STATUS = 'query ($id: ID!) { databaseRestore(id: $id) { status failureReason } }';

async function provision(ctx, url, session, engine) {
  const { createDatabase } = await graphql(
    url,
    CREATE,
    { input: { projectId: session.projectId, engine, name: `bench-${engine.toLowerCase()}` } },
    session.token,
  );
  const id = createDatabase.database.id;
  await until(`${engine} provisioning`, 120_000, async () => {
    const { database } = await graphql(url, STATUS, { id }, session.token);
    if (database.status === 'FAILED') throw new Error(`${engine}: provisioning failed: ${database.failureReason}`);
    return database.status === 'AVAILABLE' ? true : undefined;
  });
  const sql = SQL[engine];
  const client = await sql.connect(createDatabase.connectionString);
  const started = performance.now();
  await client.query(sql.createTable);
  for (let from = 0; from < ctx.opts.rows; from += 1000) {
    await sql.insertBatch(client, from, Math.min(1000, ctx.opts.rows - from));
  }
  await client.end();
  log(`${engine}: ${ctx.opts.rows} rows loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { id, connectionString: createDatabase.connectionString };
}

async function consoleLatency(ctx, url, session, engine, database) {
  const { queries, rows } = ctx.opts;
  const sql = SQL[engine];
  const ids = Array.from({ length: queries }, (_, i) => (i * 7919) % rows);
  log(`${engine}: ${queries} console lookups and pages through the API`);
  const api = { lookup: [], page: [] };
  for (const id of ids) {
    let t = performance.now();
    await graphql(url, EXECUTE, { input: { databaseId: database.id, query: sql.lookup, params: [id] } }, session.token);
    api.lookup.push(performance.now() - t);
    t = performance.now();
    await graphql(url, EXECUTE, { input: { databaseId: database.id, query: sql.page } }, session.token);
    api.page.push(performance.now() - t);
  }
  log(`${engine}: the same with the engine's client`);
  const fresh = { lookup: [], page: [] };
  const open = { lookup: [], page: [] };
  const kept = await sql.connect(database.connectionString);
  for (const id of ids) {
    for (const [kind, statement, params] of [
      ['lookup', sql.lookup, [id]],
      ['page', sql.page, []],
    ]) {
      let t = performance.now();
      const client = await sql.connect(database.connectionString);
      await client.query(statement, params);
      await client.end();
      fresh[kind].push(performance.now() - t);
      t = performance.now();
      await kept.query(statement, params);
      open[kind].push(performance.now() - t);
    }
  }
  await kept.end();
  return {
    api: { lookup: summary(api.lookup), page: summary(api.page) },
    freshConnection: { lookup: summary(fresh.lookup), page: summary(fresh.page) },
    openConnection: { lookup: summary(open.lookup), page: summary(open.page) },
  };
}

async function backupAndRestore(ctx, url, session, engine, database) {
  const sql = SQL[engine];
  log(`${engine}: backup through the API`);
  let t = performance.now();
  const { createBackup } = await graphql(url, BACKUP, { input: { databaseId: database.id } }, session.token);
  const backup = await until(`${engine} backup`, 600_000, async () => {
    const { backup: b } = await graphql(url, BACKUP_STATUS, { id: createBackup.id }, session.token);
    if (b.status === 'FAILED') throw new Error(`${engine}: backup failed: ${b.failureReason}`);
    return b.status === 'SUCCEEDED' ? b : undefined;
  });
  const apiBackupMs = performance.now() - t;

  log(`${engine}: restore through the API`);
  t = performance.now();
  const { restoreBackup } = await graphql(url, RESTORE, { input: { backupId: createBackup.id } }, session.token);
  await until(`${engine} restore`, 600_000, async () => {
    const { databaseRestore } = await graphql(url, RESTORE_STATUS, { id: restoreBackup.id }, session.token);
    if (databaseRestore.status === 'FAILED')
      throw new Error(`${engine}: restore failed: ${databaseRestore.failureReason}`);
    return databaseRestore.status === 'SUCCEEDED' ? true : undefined;
  });
  const apiRestoreMs = performance.now() - t;

  log(`${engine}: dump and load by hand`);
  const file = path.join(ctx.scratch, `${engine}.sql.gz`);
  t = performance.now();
  await runTool(sql.dumpArgs(new URL(database.connectionString)), { output: file });
  const toolDumpMs = performance.now() - t;
  const plain = path.join(ctx.scratch, `${engine}.sql`);
  fs.writeFileSync(plain, zlib.gunzipSync(fs.readFileSync(file)));
  const adminUrl = ctx.hosts[engine].adminUrl;
  const name = `bench_load_${Date.now().toString(36)}`;
  const drop = await sql.freshDatabase(adminUrl, name);
  t = performance.now();
  await runTool(sql.loadArgs(new URL(adminUrl), name), { input: plain });
  const toolLoadMs = performance.now() - t;
  await drop();
  return {
    sizeBytes: backup.sizeBytes,
    toolGzipBytes: fs.statSync(file).size,
    apiBackupMs,
    apiRestoreMs,
    toolDumpMs,
    toolLoadMs,
  };
}

function report(ctx, meta) {
  const lines = [
    `Managed databases — ${meta.date}, ${meta.cpus} × ${meta.cpuModel}, Node ${meta.node}`,
    `command: ${meta.command}; ${ctx.opts.rows} rows per database; ${meta.seconds.toFixed(0)} s in all`,
    '',
  ];
  const rows = [];
  for (const engine of ctx.opts.engines) {
    const r = ctx.results[engine];
    for (const kind of ['lookup', 'page']) {
      const label = kind === 'lookup' ? 'point lookup by id' : '1,000-row page';
      rows.push({
        what: `${engine} ${label}: executeQuery`,
        p50: r.console.api[kind].p50,
        p99: r.console.api[kind].p99,
      });
      rows.push({
        what: `  baseline, client, new connection`,
        p50: r.console.freshConnection[kind].p50,
        p99: r.console.freshConnection[kind].p99,
      });
      rows.push({
        what: `  baseline, client, open connection`,
        p50: r.console.openConnection[kind].p50,
        p99: r.console.openConnection[kind].p99,
      });
    }
  }
  lines.push(
    table(rows, [
      { title: 'query console', get: (r) => r.what },
      { title: 'p50 ms', get: (r) => fmt(r.p50) },
      { title: 'p99 ms', get: (r) => fmt(r.p99) },
    ]),
    '',
  );
  const dumps = [];
  for (const engine of ctx.opts.engines) {
    const b = ctx.results[engine].backup;
    dumps.push({ what: `${engine} createBackup (dump, gzip, sha256, store)`, ms: b.apiBackupMs, bytes: b.sizeBytes });
    dumps.push({ what: `  baseline, dump tool | gzip by hand`, ms: b.toolDumpMs, bytes: b.toolGzipBytes });
    dumps.push({ what: `${engine} restoreBackup (verify, recreate, load)`, ms: b.apiRestoreMs, bytes: b.sizeBytes });
    dumps.push({ what: `  baseline, load the plain dump by hand`, ms: b.toolLoadMs, bytes: null });
  }
  lines.push(
    table(dumps, [
      { title: 'backup and restore', get: (r) => r.what },
      { title: 'seconds', get: (r) => fmt(r.ms / 1000, 2) },
      { title: 'gzip bytes', get: (r) => (r.bytes === null ? '-' : String(r.bytes)) },
    ]),
  );
  return lines.join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  QUIET = opts.quiet;
  const started = Date.now();
  buildIfNeeded(opts.build, log);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-databases-'));
  const ctx = { opts, scratch, results: {} };
  const stop = () => stopAll(ctx).finally(() => process.exit(1));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const url = await startApi(ctx);
    const session = await registerWithProject(url, 'Databases bench');
    for (const engine of opts.engines) {
      const database = await provision(ctx, url, session, engine);
      const consoleFigures = await consoleLatency(ctx, url, session, engine, database);
      const backup = await backupAndRestore(ctx, url, session, engine, database);
      ctx.results[engine] = { console: consoleFigures, backup };
    }
    const meta = runMeta('databases', started);
    process.stdout.write(`${report(ctx, meta)}\n`);
    if (opts.json) {
      fs.mkdirSync(path.dirname(opts.json), { recursive: true });
      fs.writeFileSync(opts.json, JSON.stringify({ meta, opts, results: ctx.results }, null, 2));
    }
  } catch (error) {
    process.stderr.write(`[bench:databases] failed: ${error.stack ?? error}\n`);
    if (ctx.apiTail) process.stderr.write(`API output:\n  ${ctx.apiTail.join('\n  ')}\n`);
    process.exitCode = 1;
  } finally {
    await stopAll(ctx);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main();
