import type { DatabaseEngineDriver, DatabaseHost } from './database-engine';

/** The MONGODB driver (see `DatabaseEngineDriver`). */
export function createMongodbDriver(host: DatabaseHost): DatabaseEngineDriver {
  throw new Error(`the MONGODB driver is not built yet (${host.host})`);
}
