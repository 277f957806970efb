import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { AccessMaintenanceService } from '../access-maintenance.service';
import { ACCESS_QUEUE, AccessJob, type AccessJobPayloads } from './access-jobs';

@Processor(ACCESS_QUEUE)
export class AccessMaintenanceProcessor {
  private readonly logger = new Logger(AccessMaintenanceProcessor.name);

  constructor(private readonly maintenance: AccessMaintenanceService) {}

  /** Idempotent: removing what has already expired twice removes nothing the second time. */
  @Process(AccessJob.EXPIRE)
  async expireAccess(job: Job<AccessJobPayloads[AccessJob.EXPIRE]>): Promise<{ removed: number }> {
    const removed = await this.maintenance.removeExpired();
    if (removed > 0) this.logger.log(`Removed ${removed} expired role assignments and grants (job ${job.id})`);
    return { removed };
  }
}
