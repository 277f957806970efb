import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { AccessModule } from '../../access/access.module';
import { DatabasesModule } from '../databases.module';
import { DATABASES_QUEUE } from '../jobs/database-jobs';

/**
 * Backups of managed databases (docs/databases.md#backups): taken on demand or on a schedule,
 * compressed and checksummed into a backup store, kept per the retention, restored into the same
 * database or a new one.
 */
@Module({
  imports: [AccessModule, DatabasesModule, BullModule.registerQueue({ name: DATABASES_QUEUE })],
  providers: [],
  exports: [],
})
export class DatabaseBackupsModule {}
