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

function missingPackages({ redis = true, mongo = true } = {}) {
  const missing = [];
  if (redis && !which('redis-server')) missing.push('redis-server');
  if (mongo && (!which('java') || !which('javac'))) missing.push('default-jdk-headless');
  if (mongo && !which('mvn')) missing.push('maven');
  return missing;
}

/**
 * Makes sure redis-server, java/javac and mvn are on PATH. Installs the missing
 * Debian packages with apt-get when running as root; otherwise throws an Error
 * naming them. Pass { redis: false } or { mongo: false } to check only one side.
 * Returns the list of packages it installed (empty when nothing was missing).
 */
function ensureSystemPackages({ redis = true, mongo = true } = {}) {
  const missing = missingPackages({ redis, mongo });
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
  const still = missingPackages({ redis, mongo });
  if (still.length) {
    throw new Error(`embedded-servers: still missing after apt-get install: ${still.join(', ')}`);
  }
  return missing;
}

// ---------------------------------------------------------------------------
// Child process bookkeeping: every child is terminated when this process exits.

const children = new Set();
let hooksInstalled = false;
const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

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
  for (const s of EXIT_SIGNALS) process.on(s, onSignal);
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
  const [cmd, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'TERM', '--', command, ...args]] : [command, args];
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
    /** Sends SIGTERM once (if the process is still running). */
    terminate() {
      if (termSent || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      termSent = true;
      try {
        child.kill('SIGTERM');
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
        reject(new Error(`embedded-servers: Maven build of tools/mongo-server failed (${signal || `exit ${code}`}):\n${tail}`));
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
  ensureSystemPackages({ redis: false, mongo: true });
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
  throw new Error(`embedded-servers: could not bind mongo-java-server to a free port: ${lastError && lastError.message}`);
}

// ---------------------------------------------------------------------------
// Redis

/** One PING over a raw socket; resolves true on +PONG. */
function redisPing(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
  });
}

/**
 * Starts redis-server on 127.0.0.1 on a free port (or on `port`, to restart one where clients expect it).
 * persistDir: RDB snapshots + AOF in that directory; otherwise no persistence at all.
 * Resolves to { url, port, pid, exited, stop }.
 */
async function startRedis({ persistDir, port: fixedPort } = {}) {
  ensureSystemPackages({ redis: true, mongo: false });
  let lastError;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = fixedPort || (await getFreePort());
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning'];
    if (persistDir) {
      fs.mkdirSync(persistDir, { recursive: true });
      args.push('--dir', path.resolve(persistDir), '--save', '60 1', '--appendonly', 'yes', '--appendfsync', 'everysec');
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
      if (await redisPing(port)) {
        ok = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    if (ok && !exit) {
      server.detach();
      return {
        url: `redis://127.0.0.1:${port}`,
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

module.exports = { startMongo, startRedis, ensureSystemPackages, buildMongoLauncher, getFreePort };

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
