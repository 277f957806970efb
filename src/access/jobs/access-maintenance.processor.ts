import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { MaintenanceJob, QueueName, type JobOf } from '../../jobs/queues';
import { AccessService } from '../access.service';

@Processor(QueueName.MAINTENANCE)
export class AccessMaintenanceProcessor {
  private readonly logger = new Logger(AccessMaintenanceProcessor.name);

  constructor(private readonly access: AccessService) {}

  /** Idempotent: removing what has already expired twice removes nothing the second time. */
  @Process(MaintenanceJob.EXPIRE_ACCESS)
  async expireAccess(job: Job<JobOf<MaintenanceJob.EXPIRE_ACCESS>>): Promise<{ removed: number }> {
    const removed = await this.access.removeExpired();
    if (removed > 0) this.logger.log(`Removed ${removed} expired role assignments and grants (job ${job.id})`);
    return { removed };
  }
}
