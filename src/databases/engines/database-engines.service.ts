import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { DATABASE_ENGINES, type DatabaseEngineName } from '../../config/database-hosts';
import { DatabaseException, DatabaseExceptionReason } from '../database.exception';
import type { DatabaseDriverFactory, DatabaseEngineDriver } from './database-engine';
import { createMongodbDriver } from './mongodb.engine';
import { createMysqlDriver } from './mysql.engine';
import { createPostgresDriver } from './postgres.engine';
import { createRedisDriver } from './redis.engine';

const FACTORIES: Record<DatabaseEngineName, DatabaseDriverFactory> = {
  POSTGRESQL: createPostgresDriver,
  MYSQL: createMysqlDriver,
  MONGODB: createMongodbDriver,
  REDIS: createRedisDriver,
};

/** The driver of each engine the operator configured a host for (DATABASE_HOSTS), made once. */
@Injectable()
export class DatabaseEnginesService implements OnModuleDestroy {
  private readonly drivers = new Map<DatabaseEngineName, DatabaseEngineDriver>();

  constructor(private readonly config: AppConfig) {}

  /** The engines that have a host. */
  available(): DatabaseEngineName[] {
    const hosts = this.config.databaseHosts;
    return DATABASE_ENGINES.filter((engine) => hosts[engine] !== undefined);
  }

  /** The engine's driver; ENGINE_UNAVAILABLE when it has no host. */
  driver(engine: DatabaseEngineName): DatabaseEngineDriver {
    const existing = this.drivers.get(engine);
    if (existing) return existing;
    const host = this.config.databaseHosts[engine];
    if (!host) {
      throw new DatabaseException(
        DatabaseExceptionReason.ENGINE_UNAVAILABLE,
        `This platform has no ${engine} server configured; choose one of: ${this.available().join(', ') || 'none'}`,
      );
    }
    const driver = FACTORIES[engine](host);
    this.drivers.set(engine, driver);
    return driver;
  }

  async onModuleDestroy(): Promise<void> {
    const drivers = [...this.drivers.values()];
    this.drivers.clear();
    await Promise.allSettled(drivers.map((driver) => driver.close()));
  }
}
