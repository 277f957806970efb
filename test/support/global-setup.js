'use strict';
/**
 * Starts the servers the end-to-end tests need, once per run: a MongoDB-protocol server and
 * Redis, each on a free loopback port. MONGODB_URI / REDIS_URL, when set, are used instead.
 */
const { ensureSystemPackages, startMongo, startRedis } = require('../../tools/embedded-servers');

module.exports = async function globalSetup() {
  const started = [];
  const needMongo = !process.env.MONGODB_URI;
  const needRedis = !process.env.REDIS_URL;
  if (needMongo || needRedis) ensureSystemPackages({ mongo: needMongo, redis: needRedis });
  const [mongo, redis] = await Promise.all([
    needMongo ? startMongo() : undefined,
    needRedis ? startRedis() : undefined,
  ]);
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
