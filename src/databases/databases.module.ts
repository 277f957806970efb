import { BullModule } from '@nestjs/bull';
import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../access/access.module';
import { ResourceLocator } from '../access/resource-locator';
import { ProjectsModule } from '../projects/projects.module';
import { DatabaseRecord, DatabaseSchema } from './database.schema';
import { DatabasesResolver } from './databases.resolver';
import { DatabasesService } from './databases.service';
import { DatabaseEnginesService } from './engines/database-engines.service';
import { DATABASES_QUEUE } from './jobs/database-jobs';
import { ProjectDatabasesListener } from './listeners/project-databases.listener';
import { QueryConsoleService } from './query-console.service';

/**
 * Managed databases (docs/databases.md): PostgreSQL, MySQL (MariaDB), MongoDB and Redis databases
 * provisioned on the operator's servers (DATABASE_HOSTS), their credentials and the query console.
 * Backups live in `DatabaseBackupsModule`; the jobs in `DatabaseJobsModule`.
 */
@Module({
  imports: [
    AccessModule,
    ProjectsModule,
    BullModule.registerQueue({ name: DATABASES_QUEUE }),
    MongooseModule.forFeature([{ name: DatabaseRecord.name, schema: DatabaseSchema }]),
  ],
  providers: [
    DatabasesService,
    DatabaseEnginesService,
    QueryConsoleService,
    ProjectDatabasesListener,
    DatabasesResolver,
  ],
  exports: [DatabasesService, DatabaseEnginesService],
})
export class DatabasesModule implements OnModuleInit {
  constructor(
    private readonly locator: ResourceLocator,
    private readonly databases: DatabasesService,
  ) {}

  onModuleInit(): void {
    this.locator.register('database', (id) => this.databases.projectOf(id));
  }
}
