#!/usr/bin/env node
'use strict';

/**
 * Real MongoDB-protocol and Redis servers for tests and the dev command, on free
 * loopback ports. Plain CommonJS, Node built-ins only.
 *
 *   const { startMongo, startRedis } = require('./tools/embedded-servers');
 *   const mongo = await startMongo();            // { uri, port, pid, exited, stop }
 *   const redis = await startRedis();            // { url, port, pid, exited, stop }
 *   ...
 *   await Promise.all([mongo.stop(), redis.stop()]);
 *
 * stop() sends SIGTERM (SIGKILL after 10 s) and resolves once the process has exited.
 * `exited` is a Promise<{ code, signal }>; awaiting it keeps this process alive.
 * A server that is never stopped does not keep this process alive, and every
 * server is terminated when this process exits (normally, by exception, or on
 * SIGINT/SIGTERM/SIGHUP; on Linux also if it is SIGKILLed, via setpriv --pdeathsig).
 *
 * MongoDB is mongo-java-server (tools/mongo-server, built with Maven on first use);
 * see docs/mongodb-compat.md for what it supports. Redis is the system redis-server.
 *
 * CLI: node tools/embedded-servers/index.js [--persist DIR]
 *   starts both, prints MONGODB_URI=... and REDIS_URL=..., runs until Ctrl-C.
 *
 * Environment:
 *   EMBEDDED_SERVERS_DEBUG=1   forward the servers' own output to stderr
 *   EMBEDDED_MONGO_JAVA_OPTS   extra JVM options (space-separated)
 */

const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const MONGO_PROJECT = path.join(REPO_ROOT, 'tools', 'mongo-server');
const MONGO_TARGET = path.join(MONGO_PROJECT, 'target');
const MONGO_CLASSES = path.join(MONGO_TARGET, 'classes');
const MONGO_CLASSPATH_FILE = path.join(MONGO_TARGET, 'classpath.txt');
const MONGO_STAMP_FILE = path.join(MONGO_TARGET, 'launcher.stamp');
const MONGO_LOCK_DIR = path.join(MONGO_TARGET, '.build-lock');
const MONGO_MAIN_CLASS = 'dev.slipway.mongo.EmbeddedMongo';

const MONGO_START_TIMEOUT_MS = 60_000;
const REDIS_START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const BUILD_TIMEOUT_MS = 15 * 60_000;
const PORT_ATTEMPTS = 5;
const DEBUG = /^(1|true|yes)$/i.test(process.env.EMBEDDED_SERVERS_DEBUG || '');

const log = (msg) => process.stderr.write(`[embedded-servers] ${msg}\n`);

// ---------------------------------------------------------------------------
// System packages

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, cmd);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** The newest installed PostgreSQL server's bin directory (Debian: /usr/lib/postgresql/<major>/bin). */
function postgresBinDir() {
  const root = '/usr/lib/postgresql';
  let majors = [];
  try {
    majors = fs.readdirSync(root).filter((v) => /^\d+$/.test(v));
  } catch {
    return null;
  }
  majors.sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = path.join(root, major, 'bin');
    if (fs.existsSync(path.join(bin, 'postgres')) && fs.existsSync(path.join(bin, 'initdb'))) return bin;
  }
  return null;
}

function missingPackages({ redis = true, mongo = true, postgres = true, mariadb = true } = {}) {
  const missing = [];
  if (redis && !which('redis-server')) missing.push('redis-server');
  if (mongo && (!which('java') || !which('javac'))) missing.push('default-jdk-headless');
  if (mongo && !which('mvn')) missing.push('maven');
  // The server, and the client tools backups use (pg_dump, psql; mariadb-dump, mariadb).
  if (postgres && !postgresBinDir()) missing.push('postgresql');
  if (postgres && (!which('pg_dump') || !which('psql'))) missing.push('postgresql-client');
  if (mariadb && (!which('mariadbd') || !which('mariadb-install-db'))) missing.push('mariadb-server');
  if (mariadb && (!which('mariadb-dump') || !which('mariadb'))) missing.push('mariadb-client');
  return missing;
}

/**
 * Makes sure redis-server, java/javac and mvn, PostgreSQL and MariaDB (servers and clients) are
 * installed. Installs the missing Debian packages with apt-get when running as root; otherwise
 * throws an Error naming them. Pass { redis: false }, { mongo: false }, { postgres: false } or
 * { mariadb: false } to leave one out. Returns the list of packages it installed (empty when
 * nothing was missing).
 */
function ensureSystemPackages({ redis = true, mongo = true, postgres = true, mariadb = true } = {}) {
  const wanted = { redis, mongo, postgres, mariadb };
  const missing = missingPackages(wanted);
  if (missing.length === 0) return [];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      `embedded-servers: missing system packages: ${missing.join(', ')}. ` +
        `Install them with: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  log(`installing missing system packages: ${missing.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => {
    const res = spawnSync('apt-get', args, { stdio: ['ignore', 2, 2], env });
    if (res.error || res.status !== 0) {
      throw new Error(
        `embedded-servers: 'apt-get ${args.join(' ')}' failed (${res.error ? res.error.message : `exit ${res.status}`}); ` +
          `missing packages: ${missing.join(', ')}`,
      );
    }
  };
  run(['update']);
  run(['install', '-y', '--no-install-recommends', ...missing]);
  const still = missingPackages(wanted);
  if (still.length) {
    throw new Error(`embedded-servers: still missing after apt-get install: ${still.join(', ')}`);
  }
  return missing;
}

// ---------------------------------------------------------------------------
// Child process bookkeeping: every child is terminated when this process exits.

const children = new Set();
let hooksInstalled = false;
let signalsLeftToCaller = false;
const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * For a caller that stops the servers itself on a signal, once what uses them has stopped (the dev
 * command lets the API drain its queues first): a signal then no longer stops them at once. They
 * are still stopped when this process exits, and by their parent-death signal if it dies.
 */
function leaveSignalsToCaller() {
  signalsLeftToCaller = true;
  for (const s of EXIT_SIGNALS) process.removeListener(s, onSignal);
}

function terminateAllChildren() {
  for (const handle of children) handle.terminate();
}

function onSignal(signal) {
  terminateAllChildren();
  // If nobody else handles this signal, behave like Node's default: die by it.
  if (process.listenerCount(signal) === 1) {
    for (const s of EXIT_SIGNALS) process.removeListener(s, onSignal);
    process.kill(process.pid, signal);
  }
}

function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', terminateAllChildren);
  if (!signalsLeftToCaller) for (const s of EXIT_SIGNALS) process.on(s, onSignal);
}

// Where available, util-linux setpriv makes the kernel send SIGTERM to the child
// if this process dies without running its exit handlers (e.g. SIGKILL).
const SETPRIV = (() => {
  const bin = which('setpriv');
  if (!bin || process.platform !== 'linux') return null;
  const res = spawnSync(bin, ['--pdeathsig', 'TERM', '--', 'true'], { stdio: 'ignore' });
  return res.status === 0 ? bin : null;
})();

/**
 * Spawns a server process and tracks it. Returns a handle with
 * onLine(stream, fn), tail(), exited (Promise<{code, signal}>), stop().
 */
function spawnServer(name, command, args, options = {}) {
  installExitHooks();
  // options.user: run as that system user (when this process is root and SETPRIV is available).
  const userArgs = options.user ? ['--reuid', options.user, '--regid', options.user, '--clear-groups'] : [];
  const [cmd, argv] = SETPRIV
    ? [SETPRIV, ['--pdeathsig', 'TERM', ...userArgs, '--', command, ...args]]
    : [command, args];
  // detached: own session and process group, so a terminal's Ctrl-C reaches only
  // this process, which then stops the server with a single SIGTERM (a second
  // signal, e.g. SIGINT, makes redis-server exit at once without saving).
  const child = spawn(cmd, argv, {
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: options.cwd || REPO_ROOT,
    env: options.env || process.env,
    detached: true,
  });

  const tailLines = [];
  const lineListeners = [];
  let spawnError = null;
  const exited = new Promise((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      // 'close' may not follow a failed spawn
      if (child.exitCode === null && child.pid === undefined) {
        children.delete(handle);
        resolve({ code: null, signal: null, error: err });
      }
    });
    child.once('exit', (code, signal) => {
      children.delete(handle);
      resolve({ code, signal, error: spawnError });
    });
  });

  for (const stream of ['stdout', 'stderr']) {
    let buf = '';
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk) => {
      if (DEBUG) process.stderr.write(chunk.replace(/^(?=.)/gm, `[${name}] `));
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        tailLines.push(line);
        if (tailLines.length > 40) tailLines.shift();
        for (const fn of lineListeners) fn(stream, line);
      }
    });
  }
  child.stdin.on('error', () => {}); // EPIPE when the child exits first

  let stopping = null;
  let termSent = false;
  const handle = {
    child,
    /** Sends SIGTERM (or options.stopSignal) once, if the process is still running. */
    terminate() {
      if (termSent || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      termSent = true;
      try {
        child.kill(options.stopSignal || 'SIGTERM');
      } catch {
        // already gone
      }
    },
    exited,
    onLine(fn) {
      lineListeners.push(fn);
    },
    tail() {
      return tailLines.join('\n');
    },
    /** Promise of { code, signal }; waiting on it keeps this process alive until the child exits. */
    awaitExit() {
      if (child.exitCode === null && child.signalCode === null) child.ref();
      return exited;
    },
    /** Lets this process exit even if the server is still running (it is killed on exit). */
    detach() {
      child.unref();
      for (const s of ['stdin', 'stdout', 'stderr']) child[s] && child[s].unref && child[s].unref();
    },
    /** SIGTERM, then SIGKILL after a timeout; resolves once the process has exited. */
    stop(timeoutMs = STOP_TIMEOUT_MS) {
      if (!stopping) {
        stopping = (async () => {
          if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
            await exited;
            return;
          }
          child.ref();
          for (const s of ['stdout', 'stderr']) child[s] && child[s].ref && child[s].ref();
          handle.terminate();
          let timer;
          const killed = new Promise((resolve) => {
            timer = setTimeout(() => {
              try {
                child.kill('SIGKILL');
              } catch {
                // gone
              }
              resolve();
            }, timeoutMs);
          });
          await Promise.race([exited, killed]);
          clearTimeout(timer);
          await exited;
        })();
      }
      return stopping;
    },
  };
  children.add(handle);
  return handle;
}

function describeExit({ code, signal, error }) {
  if (error) return error.message;
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

// ---------------------------------------------------------------------------
// Ports

function getFreePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------
// MongoDB (mongo-java-server)

function launcherHash() {
  const hash = crypto.createHash('sha256');
  hash.update('launcher-v1\0');
  hash.update(fs.readFileSync(path.join(MONGO_PROJECT, 'pom.xml')));
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        hash.update(path.relative(MONGO_PROJECT, p) + '\0');
        hash.update(fs.readFileSync(p));
      }
    }
  };
  walk(path.join(MONGO_PROJECT, 'src'));
  return hash.digest('hex');
}

/** Returns the launcher classpath if a build for the current sources is in place, else null. */
function readBuiltClasspath(expectedHash) {
  try {
    if (fs.readFileSync(MONGO_STAMP_FILE, 'utf8').trim() !== expectedHash) return null;
    const jars = fs.readFileSync(MONGO_CLASSPATH_FILE, 'utf8').trim().split(path.delimiter).filter(Boolean);
    if (jars.length === 0 || !jars.every((j) => fs.existsSync(j))) return null; // e.g. ~/.m2 was wiped
    if (!fs.existsSync(path.join(MONGO_CLASSES, ...MONGO_MAIN_CLASS.split('.')) + '.class')) return null;
    return [MONGO_CLASSES, ...jars].join(path.delimiter);
  } catch {
    return null;
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Cross-process build lock (parallel jest workers may all call startMongo at once). */
async function withBuildLock(fn) {
  fs.mkdirSync(MONGO_TARGET, { recursive: true });
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    try {
      fs.mkdirSync(MONGO_LOCK_DIR);
      fs.writeFileSync(path.join(MONGO_LOCK_DIR, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(fs.readFileSync(path.join(MONGO_LOCK_DIR, 'pid'), 'utf8'));
      } catch {
        // lock being created or removed right now
      }
      let age = 0;
      try {
        age = Date.now() - fs.statSync(MONGO_LOCK_DIR).mtimeMs;
      } catch {
        continue;
      }
      if ((Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) || (Number.isNaN(owner) && age > 10_000)) {
        fs.rmSync(MONGO_LOCK_DIR, { recursive: true, force: true }); // stale
        continue;
      }
      if (Date.now() > deadline) throw new Error(`embedded-servers: timed out waiting for ${MONGO_LOCK_DIR}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(MONGO_LOCK_DIR, { recursive: true, force: true });
  }
}

function runMaven(args) {
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { cwd: MONGO_PROJECT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const collect = (chunk) => {
      out += chunk;
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`embedded-servers: could not run mvn: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else {
        const tail = out.trim().split('\n').slice(-30).join('\n');
        reject(
          new Error(
            `embedded-servers: Maven build of tools/mongo-server failed (${signal || `exit ${code}`}):\n${tail}`,
          ),
        );
      }
    });
  });
}

/**
 * Builds tools/mongo-server if its sources changed since the last build (or it was
 * never built) and returns the Java classpath. Maven runs only then; later calls
 * read target/classpath.txt.
 */
async function buildMongoLauncher() {
  const hash = launcherHash();
  const ready = readBuiltClasspath(hash);
  if (ready) return ready;
  return withBuildLock(async () => {
    const again = readBuiltClasspath(hash); // another process may have built it meanwhile
    if (again) return again;
    log('building the MongoDB test server (tools/mongo-server) with Maven; first run only, may take a minute...');
    const started = Date.now();
    fs.rmSync(MONGO_STAMP_FILE, { force: true });
    await runMaven([
      '-q',
      '-B',
      '-Dstyle.color=never',
      'compile',
      'dependency:build-classpath',
      `-Dmdep.outputFile=${MONGO_CLASSPATH_FILE}`,
    ]);
    fs.writeFileSync(MONGO_STAMP_FILE, hash + '\n');
    const cp = readBuiltClasspath(hash);
    if (!cp) throw new Error('embedded-servers: Maven finished but the launcher classpath is incomplete');
    log(`built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return cp;
  });
}

function javaOptions() {
  const extra = (process.env.EMBEDDED_MONGO_JAVA_OPTS || '').split(/\s+/).filter(Boolean);
  return ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xmx1g', '-XX:+ExitOnOutOfMemoryError', ...extra];
}

/**
 * Starts mongo-java-server on 127.0.0.1 on a free port (or on `port`, to restart one where clients expect it).
 * persistDir: keep data in <persistDir>/mongo.mv.db (H2 backend); otherwise in memory.
 * Resolves to { uri, port, pid, exited, stop }.
 */
async function startMongo({ persistDir, port: fixedPort } = {}) {
  ensureSystemPackages({ redis: false, mongo: true, postgres: false, mariadb: false });
  const classpath = await buildMongoLauncher();
  let dataFile = null;
  if (persistDir) {
    fs.mkdirSync(persistDir, { recursive: true });
    dataFile = path.join(path.resolve(persistDir), 'mongo.mv.db');
  }
  let lastError;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = fixedPort || (await getFreePort());
    const args = [...javaOptions(), '-cp', classpath, MONGO_MAIN_CLASS, String(port)];
    if (dataFile) args.push(dataFile);
    const server = spawnServer('mongo', 'java', args);
    const result = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ timeout: true }), MONGO_START_TIMEOUT_MS);
      server.onLine((stream, line) => {
        const m = stream === 'stdout' && /^READY (\d+)$/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({ port: Number(m[1]) });
        }
      });
      server.exited.then((exit) => {
        clearTimeout(timer);
        resolve({ exit });
      });
    });
    if (result.port) {
      server.detach();
      return {
        uri: `mongodb://127.0.0.1:${result.port}`,
        port: result.port,
        pid: server.child.pid,
        get exited() {
          return server.awaitExit();
        },
        stop: () => server.stop(),
      };
    }
    await server.stop();
    if (result.exit && result.exit.code === 3) {
      lastError = new Error(`port ${port} was taken`);
      if (fixedPort) break;
      continue; // port raced away; try another
    }
    const why = result.timeout ? `no READY within ${MONGO_START_TIMEOUT_MS / 1000}s` : describeExit(result.exit);
    throw new Error(`embedded-servers: mongo-java-server failed to start (${why}):\n${server.tail()}`);
  }
  throw new Error(
    `embedded-servers: could not bind mongo-java-server to a free port: ${lastError && lastError.message}`,
  );
}

// ---------------------------------------------------------------------------
// Redis

/** One PING (after AUTH, given a password) over a raw socket; resolves true on +PONG. */
function redisPing(port, timeoutMs = 1000, password) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    const auth = password ? `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n` : '';
    socket.once('connect', () => socket.write(`${auth}*1\r\n$4\r\nPING\r\n`));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const lines = data.split('\r\n');
      const expected = password ? 2 : 1;
      if (lines.length > expected) done(lines[expected - 1] === '+PONG');
    });
  });
}

/**
 * Starts redis-server on 127.0.0.1 on a free port (or on `port`, to restart one where clients expect it).
 * persistDir: RDB snapshots + AOF in that directory; otherwise no persistence at all.
 * password: the default user's password (requirepass); the URL then carries it. With persistDir
 * too, users live in <persistDir>/users.acl (made with the default user on first start).
 * Resolves to { url, port, pid, exited, stop }.
 */
async function startRedis({ persistDir, port: fixedPort, password } = {}) {
  ensureSystemPackages({ redis: true, mongo: false, postgres: false, mariadb: false });
  let lastError;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = fixedPort || (await getFreePort());
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--daemonize',
      'no',
      '--logfile',
      '',
      '--loglevel',
      'warning',
    ];
    if (password && persistDir) {
      // Users made with ACL SETUSER last across restarts only in an ACL file (ACL SAVE writes it).
      fs.mkdirSync(persistDir, { recursive: true });
      const aclFile = path.join(path.resolve(persistDir), 'users.acl');
      if (!fs.existsSync(aclFile)) {
        fs.writeFileSync(aclFile, `user default on >${password} ~* &* +@all\n`, { mode: 0o600 });
      }
      args.push('--aclfile', aclFile);
    } else if (password) args.push('--requirepass', password);
    if (persistDir) {
      fs.mkdirSync(persistDir, { recursive: true });
      args.push(
        '--dir',
        path.resolve(persistDir),
        '--save',
        '60 1',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
      );
    } else {
      args.push('--dir', os.tmpdir(), '--save', '', '--appendonly', 'no');
    }
    const server = spawnServer('redis', 'redis-server', args);
    let exit = null;
    server.exited.then((e) => {
      exit = e;
    });
    const deadline = Date.now() + REDIS_START_TIMEOUT_MS;
    let ok = false;
    while (!exit && Date.now() < deadline) {
      if (await redisPing(port, 1000, password)) {
        ok = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    if (ok && !exit) {
      server.detach();
      return {
        url: password
          ? `redis://default:${encodeURIComponent(password)}@127.0.0.1:${port}`
          : `redis://127.0.0.1:${port}`,
        port,
        pid: server.child.pid,
        get exited() {
          return server.awaitExit();
        },
        stop: () => server.stop(),
      };
    }
    await server.stop();
    const tail = server.tail();
    if (exit && /address already in use/i.test(tail)) {
      lastError = new Error(`port ${port} was taken`);
      if (fixedPort) break;
      continue;
    }
    const why = exit ? describeExit(exit) : `no PONG within ${REDIS_START_TIMEOUT_MS / 1000}s`;
    throw new Error(`embedded-servers: redis-server failed to start (${why}):\n${tail}`);
  }
  throw new Error(`embedded-servers: could not bind redis-server to a free port: ${lastError && lastError.message}`);
}

// ---------------------------------------------------------------------------
// PostgreSQL and MariaDB: the database hosts users' managed databases are provisioned into

const SQL_START_TIMEOUT_MS = 60_000;
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * A directory for a server's files: persistDir, or a new temporary one removed on stop. When this
 * process is root the server runs as its own system user (postgres, mysql), which must own it.
 */
function serverDir(persistDir, prefix, user) {
  const dir = persistDir ? path.resolve(persistDir) : fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(dir, { recursive: true });
  if (isRoot() && SETPRIV) {
    const owner = spawnSync('id', ['-u', user], { encoding: 'utf8' });
    const group = spawnSync('id', ['-g', user], { encoding: 'utf8' });
    if (owner.status !== 0) throw new Error(`embedded-servers: no system user ${user} to run the server as`);
    fs.chownSync(dir, Number(owner.stdout), Number(group.stdout));
  }
  return dir;
}

/** The admin password kept beside a server's data, made once. */
function adminPassword(dir, user) {
  const file = path.join(dir, 'admin-password');
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, crypto.randomBytes(18).toString('base64url'), { mode: 0o600 });
    if (isRoot() && SETPRIV) spawnSync('chown', [user, file]);
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/** Runs a set-up command to completion (as `user` when root), throwing with its output on failure. */
function runAs(user, command, args) {
  const asUser = isRoot() && SETPRIV;
  const res = asUser
    ? spawnSync(SETPRIV, ['--reuid', user, '--regid', user, '--clear-groups', '--', command, ...args], {
        encoding: 'utf8',
        cwd: '/',
      })
    : spawnSync(command, args, { encoding: 'utf8', cwd: '/' });
  if (res.error || res.status !== 0) {
    const output = `${res.stdout || ''}${res.stderr || ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(
      `embedded-servers: ${path.basename(command)} failed (${res.error ? res.error.message : `exit ${res.status}`}):\n${output}`,
    );
  }
}

function tcpOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
  });
}

/**
 * Starts a server that logs `readyPattern` once it accepts connections, retrying on another free
 * port when its port was taken (`takenPattern`). `argsFor(port)` builds its arguments.
 */
async function startLogged(
  name,
  command,
  argsFor,
  { user, fixedPort, readyPattern, takenPattern, stopSignal, cleanup },
) {
  let lastError;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = fixedPort || (await getFreePort());
    const server = spawnServer(name, command, argsFor(port), {
      user: isRoot() ? user : undefined,
      stopSignal,
      cwd: '/',
    });
    const result = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ timeout: true }), SQL_START_TIMEOUT_MS);
      server.onLine((_stream, line) => {
        if (readyPattern.test(line)) {
          clearTimeout(timer);
          resolve({ ready: true });
        }
      });
      server.exited.then((exit) => {
        clearTimeout(timer);
        resolve({ exit });
      });
    });
    if (result.ready && (await tcpOpen(port))) {
      server.detach();
      return {
        port,
        pid: server.child.pid,
        get exited() {
          return server.awaitExit();
        },
        stop: async () => {
          await server.stop();
          if (cleanup) cleanup();
        },
      };
    }
    await server.stop();
    if (result.exit && takenPattern.test(server.tail())) {
      lastError = new Error(`port ${port} was taken`);
      if (fixedPort) break;
      continue;
    }
    if (cleanup) cleanup();
    const why = result.timeout
      ? `not ready within ${SQL_START_TIMEOUT_MS / 1000}s`
      : result.exit
        ? describeExit(result.exit)
        : 'port not open';
    throw new Error(`embedded-servers: ${name} failed to start (${why}):\n${server.tail()}`);
  }
  if (cleanup) cleanup();
  throw new Error(`embedded-servers: could not bind ${name} to a free port: ${lastError && lastError.message}`);
}

/**
 * Starts a PostgreSQL server (the newest installed under /usr/lib/postgresql) on 127.0.0.1, with
 * password authentication for every connection over TCP and an admin role `postgres`.
 * persistDir: the cluster lives there (made on first start, durable); otherwise in a temporary
 * directory, without fsync, removed on stop.
 * Resolves to { url, port, pid, exited, stop } where url is the admin connection URL.
 */
async function startPostgres({ persistDir, port: fixedPort } = {}) {
  ensureSystemPackages({ redis: false, mongo: false, postgres: true, mariadb: false });
  const bin = postgresBinDir();
  const dir = serverDir(persistDir, 'slipway-postgres-', 'postgres');
  const password = adminPassword(dir, 'postgres');
  const data = path.join(dir, 'data');
  if (!fs.existsSync(path.join(data, 'PG_VERSION'))) {
    fs.rmSync(data, { recursive: true, force: true });
    runAs('postgres', path.join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${path.join(dir, 'admin-password')}`,
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]);
  }
  const server = await startLogged(
    'postgres',
    path.join(bin, 'postgres'),
    (port) => [
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dir}`,
      '-c',
      'max_connections=200',
      ...(persistDir ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    {
      user: 'postgres',
      fixedPort,
      readyPattern: /database system is ready to accept connections/,
      takenPattern: /could not bind|already in use|could not create any TCP\/IP sockets/i,
      // SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave.
      stopSignal: 'SIGINT',
      cleanup: persistDir ? undefined : () => fs.rmSync(dir, { recursive: true, force: true }),
    },
  );
  return { ...server, url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${server.port}/postgres` };
}

/**
 * Starts a MariaDB server on 127.0.0.1 with an admin account `slipway`@`%` (every privilege, with
 * grant option); root and mysql can log in only through the Unix socket, as their system users.
 * persistDir: the data lives there (made on first start); otherwise in a temporary directory
 * removed on stop. Resolves to { url, port, pid, exited, stop } where url is the admin URL.
 */
async function startMariadb({ persistDir, port: fixedPort } = {}) {
  ensureSystemPackages({ redis: false, mongo: false, postgres: false, mariadb: true });
  const dir = serverDir(persistDir, 'slipway-mariadb-', 'mysql');
  const password = adminPassword(dir, 'mysql');
  const data = path.join(dir, 'data');
  if (!fs.existsSync(path.join(data, 'mysql'))) {
    fs.rmSync(data, { recursive: true, force: true });
    runAs('mysql', which('mariadb-install-db'), [
      '--no-defaults',
      `--datadir=${data}`,
      '--auth-root-authentication-method=socket',
      '--skip-test-db',
      '--skip-name-resolve',
      ...(isRoot() ? ['--user=mysql'] : []),
    ]);
  }
  const initFile = path.join(dir, 'init.sql');
  const quoted = password.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  fs.writeFileSync(
    initFile,
    `CREATE USER IF NOT EXISTS 'slipway'@'%' IDENTIFIED BY '${quoted}';\n` +
      `ALTER USER 'slipway'@'%' IDENTIFIED BY '${quoted}';\n` +
      "GRANT ALL PRIVILEGES ON *.* TO 'slipway'@'%' WITH GRANT OPTION;\n",
    { mode: 0o600 },
  );
  if (isRoot() && SETPRIV) spawnSync('chown', ['mysql', initFile]);
  const server = await startLogged(
    'mariadb',
    which('mariadbd'),
    (port) => [
      '--no-defaults',
      `--datadir=${data}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${path.join(dir, 'mysqld.sock')}`,
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      '--skip-name-resolve',
      `--init-file=${initFile}`,
      '--max-connections=200',
      ...(isRoot() ? ['--user=mysql'] : []),
      ...(persistDir ? [] : ['--innodb-flush-log-at-trx-commit=0', '--sync-binlog=0', '--innodb-doublewrite=0']),
    ],
    {
      user: 'mysql',
      fixedPort,
      readyPattern: /ready for connections/,
      takenPattern: /Address already in use|Do you already have another .* server running/i,
      cleanup: persistDir ? undefined : () => fs.rmSync(dir, { recursive: true, force: true }),
    },
  );
  return { ...server, url: `mysql://slipway:${encodeURIComponent(password)}@127.0.0.1:${server.port}` };
}

/**
 * The servers users' managed databases live on, one per engine, apart from the platform's own
 * MongoDB and Redis: PostgreSQL, MariaDB, a password-protected Redis and a MongoDB-protocol
 * server. persistDir: each keeps its data in a subdirectory. Resolves to { hosts, stop } where
 * hosts is the DATABASE_HOSTS value (JSON) naming them.
 */
async function startDatabaseHosts({ persistDir } = {}) {
  const sub = (name) => (persistDir ? path.join(path.resolve(persistDir), name) : undefined);
  const redisDir = sub('redis');
  const redisPassword = redisDir
    ? adminPassword(serverDir(redisDir, '', 'root'), 'root')
    : crypto.randomBytes(18).toString('base64url');
  const settled = await Promise.allSettled([
    startPostgres({ persistDir: sub('postgres') }),
    startMariadb({ persistDir: sub('mariadb') }),
    startRedis({ persistDir: redisDir, password: redisPassword }),
    startMongo({ persistDir: sub('mongo') }),
  ]);
  const started = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
    throw failed.reason;
  }
  const [postgres, mariadb, redis, mongo] = started;
  const hosts = {
    POSTGRESQL: { adminUrl: postgres.url, host: '127.0.0.1', port: postgres.port },
    MYSQL: { adminUrl: mariadb.url, host: '127.0.0.1', port: mariadb.port },
    REDIS: { adminUrl: redis.url, host: '127.0.0.1', port: redis.port },
    MONGODB: { adminUrl: mongo.uri, host: '127.0.0.1', port: mongo.port },
  };
  return {
    hosts: JSON.stringify(hosts),
    servers: started,
    stop: () => Promise.all(started.map((s) => s.stop())).then(() => undefined),
  };
}

module.exports = {
  startMongo,
  startRedis,
  startPostgres,
  startMariadb,
  startDatabaseHosts,
  ensureSystemPackages,
  buildMongoLauncher,
  getFreePort,
  leaveSignalsToCaller,
};

// ---------------------------------------------------------------------------
// CLI

async function main(argv) {
  let persistDir;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--persist' && argv[i + 1]) persistDir = argv[++i];
    else if (argv[i] === '-h' || argv[i] === '--help') {
      process.stdout.write('usage: node tools/embedded-servers/index.js [--persist DIR]\n');
      return;
    } else throw new Error(`unknown argument: ${argv[i]}`);
  }
  const opts = persistDir ? { persistDir: path.resolve(persistDir) } : {};
  const [mongo, redis] = await Promise.all([startMongo(opts), startRedis(opts)]);
  process.stdout.write(`MONGODB_URI=${mongo.uri}\nREDIS_URL=${redis.url}\n`);
  log(`${persistDir ? `data in ${path.resolve(persistDir)}` : 'in-memory'}; press Ctrl-C to stop`);
  const keepAlive = setInterval(() => {}, 1 << 30);
  let shuttingDown = false;
  const shutdown = async (code) => {
    if (shuttingDown) return;
    shuttingDown = true;
    await Promise.all([mongo.stop(), redis.stop()]);
    clearInterval(keepAlive);
    process.exit(code);
  };
  for (const s of EXIT_SIGNALS) process.on(s, () => shutdown(0));
  mongo.exited.then((e) => !shuttingDown && (log(`mongo exited unexpectedly (${describeExit(e)})`), shutdown(1)));
  redis.exited.then((e) => !shuttingDown && (log(`redis exited unexpectedly (${describeExit(e)})`), shutdown(1)));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
}
