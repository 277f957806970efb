import { Injectable } from '@nestjs/common';
import type { DatabaseEngineName } from '../config/database-hosts';
import type { DatabaseEngineDriver, DatabaseTarget } from './engines/database-engine';
import type { DatabaseRecord } from './database.schema';

/** What `create` is given: where, which engine, and the name users see. */
export interface CreateDatabaseRequest {
  projectId: string;
  engine: DatabaseEngineName;
  name: string;
}

/**
 * Managed databases: their records, provisioning on their engine's server, credentials (encrypted
 * with the platform key ring), deletion. Exported for the backups, which reach a database's
 * server only through `target` and `driverOf`.
 */
@Injectable()
export class DatabasesService {
  /**
   * Stores a new PROVISIONING database (name checked, unique in the project; credentials made and
   * encrypted) and, unless `queue` is false, queues its provisioning job. With `queue: false` the
   * caller runs `provision` itself (a restore into a new database does, inside its own job).
   * Returns the record and its connection string (the only time it is returned unasked).
   */
  async create(
    actorId: string | undefined,
    request: CreateDatabaseRequest,
    options: { queue?: boolean } = {},
  ): Promise<{ database: DatabaseRecord; connectionString: string }> {
    void actorId;
    void request;
    void options;
    throw new Error('not built yet');
  }

  /**
   * Provisions a PROVISIONING database on its server and makes it AVAILABLE (announcing
   * database.created), or FAILED with nothing left on the server. Idempotent: a database no
   * longer PROVISIONING is returned as it is.
   */
  async provision(databaseId: string): Promise<DatabaseRecord> {
    void databaseId;
    throw new Error('not built yet');
  }

  /** The database; DATABASE_NOT_FOUND when there is none (or it is gone). */
  async get(databaseId: string): Promise<DatabaseRecord> {
    void databaseId;
    throw new Error('not built yet');
  }

  /** The database when it is AVAILABLE; DATABASE_NOT_AVAILABLE otherwise. */
  async requireAvailable(databaseId: string): Promise<DatabaseRecord> {
    void databaseId;
    throw new Error('not built yet');
  }

  /** The database as its server knows it, with its password decrypted (held in memory only). */
  target(database: DatabaseRecord): DatabaseTarget {
    void database;
    throw new Error('not built yet');
  }

  /** The driver of the database's engine. */
  driverOf(database: Pick<DatabaseRecord, 'engine'>): DatabaseEngineDriver {
    void database;
    throw new Error('not built yet');
  }
}
