import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { DatabasesService } from '../databases.service';
import { DATABASES_QUEUE, DatabaseJob, type DatabaseJobPayloads } from './database-jobs';

/** Provisioning and deletion of databases on their servers. Both are idempotent: a re-run is safe. */
@Processor(DATABASES_QUEUE)
export class DatabaseProvisioningProcessor {
  constructor(private readonly databases: DatabasesService) {}

  @Process(DatabaseJob.PROVISION)
  async provision(job: Job<DatabaseJobPayloads[DatabaseJob.PROVISION]>): Promise<{ status: string }> {
    const record = await this.databases.provision(job.data.databaseId).catch((error: unknown) => {
      // Deleted before its job ran: nothing to make.
      if ((error as { reason?: string }).reason === 'DATABASE_NOT_FOUND') return null;
      throw error;
    });
    return { status: record?.status ?? 'GONE' };
  }

  @Process(DatabaseJob.DELETE)
  async delete(job: Job<DatabaseJobPayloads[DatabaseJob.DELETE]>): Promise<{ removed: boolean }> {
    return { removed: await this.databases.remove(job.data.databaseId) };
  }
}
