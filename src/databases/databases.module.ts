import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../access/access.module';
import { DatabaseRecord, DatabaseSchema } from './database.schema';
import { DatabasesService } from './databases.service';
import { DatabaseEnginesService } from './engines/database-engines.service';
import { DATABASES_QUEUE } from './jobs/database-jobs';

/**
 * Managed databases (docs/databases.md): PostgreSQL, MySQL (MariaDB), MongoDB and Redis databases
 * provisioned on the operator's servers (DATABASE_HOSTS), their credentials and the query console.
 * Backups live in `DatabaseBackupsModule`; the jobs in `DatabaseJobsModule`.
 */
@Module({
  imports: [
    AccessModule,
    BullModule.registerQueue({ name: DATABASES_QUEUE }),
    MongooseModule.forFeature([{ name: DatabaseRecord.name, schema: DatabaseSchema }]),
  ],
  providers: [DatabasesService, DatabaseEnginesService],
  exports: [DatabasesService, DatabaseEnginesService],
})
export class DatabasesModule {}
