import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { DomainChecksService } from '../domain-checks.service';
import { DOMAINS_QUEUE, DomainJob, type DomainJobPayloads } from './domain-jobs';

@Processor(DOMAINS_QUEUE)
export class DomainChecksProcessor {
  private readonly logger = new Logger(DomainChecksProcessor.name);

  constructor(private readonly checks: DomainChecksService) {}

  /** Idempotent: a domain is checked only when due, and a check moves its next one on. */
  @Process(DomainJob.RECHECK)
  async recheck(job: Job<DomainJobPayloads[DomainJob.RECHECK]>): Promise<{ checked: number }> {
    const checked = await this.checks.recheckDue();
    if (checked > 0) this.logger.debug(`Re-verified ${checked} custom domains (job ${job.id})`);
    return { checked };
  }
}
