import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { DatabaseBackupsModule } from '../backups/database-backups.module';
import { DatabasesModule } from '../databases.module';
import { DATABASES_QUEUE } from './database-jobs';
import { DatabaseBackupsProcessor } from './database-backups.processor';
import { DatabaseProvisioningProcessor } from './database-provisioning.processor';
import { DatabaseSweeperProcessor } from './database-sweeper.processor';

/** What a worker runs for managed databases: provisioning, deletion, backups and restores. */
@Module({
  imports: [DatabasesModule, DatabaseBackupsModule, BullModule.registerQueue({ name: DATABASES_QUEUE })],
  providers: [DatabaseProvisioningProcessor, DatabaseBackupsProcessor, DatabaseSweeperProcessor],
})
export class DatabaseJobsModule {}
