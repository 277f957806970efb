import { Processor } from '@nestjs/bull';
import { DATABASES_QUEUE } from './database-jobs';

/** Provisioning and deletion of databases on their servers. */
@Processor(DATABASES_QUEUE)
export class DatabaseProvisioningProcessor {}
