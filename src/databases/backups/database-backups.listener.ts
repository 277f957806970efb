import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DatabaseDeletedEvent } from '../events/database.events';
import { BackupSchedulesService } from './backup-schedules.service';
import { DatabaseBackupsService } from './database-backups.service';
import { DatabaseRestoresService } from './database-restores.service';

/** A deleted database's schedule (and its repeatable job), backups (files and records) and restores go with it. */
@Injectable()
export class DatabaseBackupsListener {
  constructor(
    private readonly schedules: BackupSchedulesService,
    private readonly backups: DatabaseBackupsService,
    private readonly restores: DatabaseRestoresService,
  ) {}

  @OnEvent(DatabaseDeletedEvent.eventName)
  async handle(event: DatabaseDeletedEvent): Promise<void> {
    await this.schedules.remove(event.databaseId);
    await this.backups.deleteAllOf(event.databaseId);
    await this.restores.deleteInto(event.databaseId);
  }
}
