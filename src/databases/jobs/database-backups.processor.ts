import { Processor } from '@nestjs/bull';
import { DATABASES_QUEUE } from './database-jobs';

/** Backups (on demand and scheduled) and restores. */
@Processor(DATABASES_QUEUE)
export class DatabaseBackupsProcessor {}
