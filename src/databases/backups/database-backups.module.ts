import { BullModule } from '@nestjs/bull';
import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../../access/access.module';
import { ResourceLocator } from '../../access/resource-locator';
import { AppConfig } from '../../config/app-config';
import { DatabasesModule } from '../databases.module';
import { DATABASES_QUEUE } from '../jobs/database-jobs';
import { BackupSchedulesService } from './backup-schedules.service';
import { DatabaseBackupScheduleRecord, DatabaseBackupScheduleSchema } from './database-backup-schedule.schema';
import { DatabaseBackupRecord, DatabaseBackupSchema } from './database-backup.schema';
import { DatabaseBackupsListener } from './database-backups.listener';
import { DatabaseBackupsResolver } from './database-backups.resolver';
import { DatabaseBackupsService } from './database-backups.service';
import { DatabaseOperationLockRecord, DatabaseOperationLockSchema } from './database-operation-lock.schema';
import { DatabaseOperationLocksService } from './database-operation-locks.service';
import { DatabaseRestoreRecord, DatabaseRestoreSchema } from './database-restore.schema';
import { DatabaseRestoresService } from './database-restores.service';
import { BACKUP_STORE, type BackupStore } from './store/backup-store';
import { LocalBackupStore } from './store/local-backup-store';

/**
 * Backups of managed databases (docs/database-backups.md): taken on demand or on a schedule,
 * compressed and checksummed into a backup store, kept per the retention, restored into the same
 * database, another or a new one. The store is `BACKUP_STORE`: the local directory unless another
 * implementation of `BackupStore` is provided there.
 */
@Module({
  imports: [
    AccessModule,
    DatabasesModule,
    BullModule.registerQueue({ name: DATABASES_QUEUE }),
    MongooseModule.forFeature([
      { name: DatabaseBackupRecord.name, schema: DatabaseBackupSchema },
      { name: DatabaseBackupScheduleRecord.name, schema: DatabaseBackupScheduleSchema },
      { name: DatabaseRestoreRecord.name, schema: DatabaseRestoreSchema },
      { name: DatabaseOperationLockRecord.name, schema: DatabaseOperationLockSchema },
    ]),
  ],
  providers: [
    {
      provide: BACKUP_STORE,
      inject: [AppConfig],
      useFactory: (config: AppConfig): BackupStore => new LocalBackupStore(config.databaseBackupsDir),
    },
    DatabaseOperationLocksService,
    DatabaseBackupsService,
    DatabaseRestoresService,
    BackupSchedulesService,
    DatabaseBackupsListener,
    DatabaseBackupsResolver,
  ],
  exports: [BACKUP_STORE, DatabaseBackupsService, DatabaseRestoresService, BackupSchedulesService],
})
export class DatabaseBackupsModule implements OnModuleInit {
  constructor(
    private readonly locator: ResourceLocator,
    private readonly backups: DatabaseBackupsService,
    private readonly restores: DatabaseRestoresService,
  ) {}

  onModuleInit(): void {
    this.locator.register('databaseBackup', (id) => this.backups.projectOf(id));
    this.locator.register('databaseRestore', (id) => this.restores.projectOf(id));
  }
}
