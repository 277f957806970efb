import type { DatabaseEngineDriver, DatabaseHost } from './database-engine';

/** The REDIS driver (see `DatabaseEngineDriver`). */
export function createRedisDriver(host: DatabaseHost): DatabaseEngineDriver {
  throw new Error(`the REDIS driver is not built yet (${host.host})`);
}
