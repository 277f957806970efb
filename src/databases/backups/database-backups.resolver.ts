import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../../access/access.decorators';
import { Ctx } from '../../common/context/ctx.decorator';
import type { RequestContext } from '../../common/context/request-context';
import { ConnectionType } from '../../common/pagination/connection';
import { BackupSchedulesService } from './backup-schedules.service';
import { DatabaseBackupsService } from './database-backups.service';
import { DatabaseRestoresService } from './database-restores.service';
import { CreateBackupInput } from './dto/create-backup.input';
import { BackupIdArgs, DatabaseBackupsArgs, DatabaseIdArgs } from './dto/database-backups.args';
import { DeleteBackupInput } from './dto/delete-backup.input';
import { RestoreBackupInput } from './dto/restore-backup.input';
import { ScheduleBackupsInput } from './dto/schedule-backups.input';
import { BackupSchedule } from './models/backup-schedule.model';
import { DatabaseBackup } from './models/database-backup.model';
import { DatabaseRestore } from './models/database-restore.model';

const DatabaseBackupConnection = ConnectionType(DatabaseBackup);

@Resolver(() => DatabaseBackup)
export class DatabaseBackupsResolver {
  constructor(
    private readonly service: DatabaseBackupsService,
    private readonly restores: DatabaseRestoresService,
    private readonly schedules: BackupSchedulesService,
  ) {}

  @Mutation(() => DatabaseBackup, {
    description: 'Backs an AVAILABLE database up (a job): its dump, gzipped and checksummed, in the backup store.',
  })
  @RequirePermission('database:backup', { entity: 'database', idArg: 'input.databaseId' })
  createBackup(@Ctx() ctx: RequestContext, @Args('input') input: CreateBackupInput): Promise<DatabaseBackup> {
    return this.service.create(ctx, input.databaseId);
  }

  @Mutation(() => Boolean, { description: 'Deletes a backup: its stored file and its record.' })
  @RequirePermission('database:backup', { entity: 'databaseBackup', idArg: 'input.backupId' })
  deleteBackup(@Args('input') input: DeleteBackupInput): Promise<boolean> {
    return this.service.delete(input.backupId);
  }

  @Mutation(() => BackupSchedule, {
    description: "Sets a database's backup schedule (cron and time zone) and how long its backups are kept.",
  })
  @RequirePermission('database:backup', { entity: 'database', idArg: 'input.databaseId' })
  scheduleBackups(@Ctx() ctx: RequestContext, @Args('input') input: ScheduleBackupsInput): Promise<BackupSchedule> {
    return this.schedules.set(ctx, input);
  }

  @Mutation(() => DatabaseRestore, {
    description:
      'Restores a backup (a job, checksum verified first) into its database, another of the project and engine, or a new one.',
  })
  @RequirePermission('database:restore', { entity: 'databaseBackup', idArg: 'input.backupId' })
  restoreBackup(@Ctx() ctx: RequestContext, @Args('input') input: RestoreBackupInput): Promise<DatabaseRestore> {
    return this.restores.request(ctx, input);
  }

  @Query(() => DatabaseBackupConnection, { description: "A database's backups, newest first." })
  @RequirePermission('database:read', { entity: 'database', idArg: 'databaseId' })
  backups(@Args() args: DatabaseBackupsArgs): Promise<InstanceType<typeof DatabaseBackupConnection>> {
    return this.service.list(args.databaseId, args);
  }

  @Query(() => DatabaseBackup)
  @RequirePermission('database:read', { entity: 'databaseBackup', idArg: 'id' })
  backup(@Args() args: BackupIdArgs): Promise<DatabaseBackup> {
    return this.service.get(args.id);
  }

  @Query(() => BackupSchedule, { nullable: true, description: "A database's backup schedule; null when it has none." })
  @RequirePermission('database:read', { entity: 'database', idArg: 'databaseId' })
  backupSchedule(@Args() args: DatabaseIdArgs): Promise<BackupSchedule | null> {
    return this.schedules.get(args.databaseId);
  }

  @Query(() => DatabaseRestore)
  @RequirePermission('database:read', { entity: 'databaseRestore', idArg: 'id' })
  databaseRestore(@Args() args: BackupIdArgs): Promise<DatabaseRestore> {
    return this.restores.get(args.id);
  }
}
