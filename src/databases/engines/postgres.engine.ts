import type { DatabaseEngineDriver, DatabaseHost } from './database-engine';

/** The POSTGRESQL driver (see `DatabaseEngineDriver`). */
export function createPostgresDriver(host: DatabaseHost): DatabaseEngineDriver {
  throw new Error(`the POSTGRESQL driver is not built yet (${host.host})`);
}
