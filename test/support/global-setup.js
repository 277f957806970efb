'use strict';
/**
 * Starts the servers the end-to-end tests need, once per run: a MongoDB-protocol server and
 * Redis, each on a free loopback port, and the database hosts managed databases are provisioned
 * into (PostgreSQL, MariaDB, Redis, a MongoDB-protocol server). MONGODB_URI / REDIS_URL /
 * DATABASE_HOSTS, when set, are used instead.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensureSystemPackages, startDatabaseHosts, startMongo, startRedis } = require('../../tools/embedded-servers');

const ROOT = path.resolve(__dirname, '..', '..');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Some tests run the compiled server as a separate process, and the CLI's tests run the compiled
 * `slipway`: compile each when its sources are newer.
 */
function ensureBuilt() {
  const targets = [
    { output: path.join('dist', 'main.js'), sources: ['src'], project: 'tsconfig.build.json', what: 'src/' },
    {
      output: path.join('dist-cli', 'cli', 'src', 'main.js'),
      sources: ['cli', 'client'],
      project: 'tsconfig.cli.json',
      what: 'the CLI',
    },
  ];
  for (const { output, sources, project, what } of targets) {
    const main = path.join(ROOT, output);
    const built = fs.existsSync(main) ? fs.statSync(main).mtimeMs : 0;
    if (built >= Math.max(...sources.map((dir) => newestMtime(path.join(ROOT, dir))))) continue;
    process.stderr.write(`[global-setup] compiling ${what} for the tests that run it as a process\n`);
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    fs.utimesSync(main, new Date(), new Date());
  }
}

module.exports = async function globalSetup() {
  ensureBuilt();
  const started = [];
  const needMongo = !process.env.MONGODB_URI;
  const needRedis = !process.env.REDIS_URL;
  const needHosts = !process.env.DATABASE_HOSTS;
  if (needMongo || needRedis || needHosts) {
    ensureSystemPackages({
      mongo: needMongo || needHosts,
      redis: needRedis || needHosts,
      postgres: needHosts,
      mariadb: needHosts,
    });
  }
  const [mongo, redis, hosts] = await Promise.all([
    needMongo ? startMongo() : undefined,
    needRedis ? startRedis() : undefined,
    needHosts ? startDatabaseHosts() : undefined,
  ]);
  if (hosts) {
    process.env.DATABASE_HOSTS = hosts.hosts;
    started.push(hosts);
  }
  if (mongo) {
    process.env.MONGODB_URI = mongo.uri;
    started.push(mongo);
  }
  if (redis) {
    process.env.REDIS_URL = redis.url;
    started.push(redis);
  }
  process.env.SLIPWAY_TEST_RUN = `${Date.now().toString(36)}`;
  globalThis.__SLIPWAY_SERVERS__ = started;
};
