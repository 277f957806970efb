'use strict';

module.exports = async function globalTeardown() {
  const started = globalThis.__SLIPWAY_SERVERS__ || [];
  await Promise.all(started.map((server) => server.stop()));
};
