import type { DatabaseEngineDriver, DatabaseHost } from './database-engine';

/** The MYSQL driver (see `DatabaseEngineDriver`). */
export function createMysqlDriver(host: DatabaseHost): DatabaseEngineDriver {
  throw new Error(`the MYSQL driver is not built yet (${host.host})`);
}
