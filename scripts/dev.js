'use strict';
/**
 * Starts the embedded servers (persistent, under .data/) unless MONGODB_URI / REDIS_URL /
 * DATABASE_HOSTS are given, then runs the compiled API with them until Ctrl-C. The database hosts
 * are the servers managed databases are provisioned into (PostgreSQL, MariaDB, Redis, MongoDB).
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { leaveSignalsToCaller, startDatabaseHosts, startMongo, startRedis } = require('../tools/embedded-servers');

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, '.data');

async function main() {
  // Ctrl-C stops the API first and the servers once it has exited, so that its workers can still
  // reach Redis while they hand their jobs back. Before the API runs, it stops the servers at once.
  leaveSignalsToCaller();
  const servers = [];
  let api;
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    // The servers' handles do not hold the process open: it may end before they have stopped.
    process.exitCode = code;
    // A server that was still starting is stopped by embedded-servers' exit hook.
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (!api) void stop(130);
      else if (api.exitCode === null) api.kill(signal);
    });
  }

  const env = { ...process.env };
  if (!env.MONGODB_URI) {
    fs.mkdirSync(path.join(DATA, 'mongo'), { recursive: true });
    const mongo = await startMongo({ persistDir: path.join(DATA, 'mongo') });
    servers.push(mongo);
    env.MONGODB_URI = `${mongo.uri}/slipway`;
  }
  if (!env.REDIS_URL) {
    fs.mkdirSync(path.join(DATA, 'redis'), { recursive: true });
    const redis = await startRedis({ persistDir: path.join(DATA, 'redis') });
    servers.push(redis);
    env.REDIS_URL = redis.url;
  }
  if (!env.DATABASE_HOSTS) {
    const hosts = await startDatabaseHosts({ persistDir: path.join(DATA, 'databases') });
    servers.push(hosts);
    env.DATABASE_HOSTS = hosts.hosts;
  }
  env.NODE_ENV = env.NODE_ENV || 'development';
  env.PORT = env.PORT || '3000';
  env.HOST = env.HOST || '127.0.0.1';

  // Stopped while the servers started: those are stopped on exit; the API is not started.
  if (stopping) return;
  api = spawn(process.execPath, [path.join(ROOT, 'dist', 'main.js')], { env, stdio: 'inherit' });
  api.on('exit', (code, signal) => void stop(code ?? (signal ? 0 : 1)));
}

main().catch((error) => {
  process.stderr.write(`dev: ${error.stack || error}\n`);
  process.exit(1);
});
