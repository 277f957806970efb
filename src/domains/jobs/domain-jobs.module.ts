import { BullModule, InjectQueue } from '@nestjs/bull';
import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { scheduleEvery } from '../../jobs/schedule';
import { DomainsModule } from '../domains.module';
import { DOMAINS_QUEUE, DomainJob } from './domain-jobs';
import { DomainChecksProcessor } from './domain-checks.processor';

/**
 * How often workers look for domains due a check. Each domain has its own next check
 * (DOMAIN_RECHECK_MINUTES when verified, sooner while pending), so this only bounds how late one is.
 */
const RECHECK_SCAN_EVERY_MS = 60_000;

/** What a worker runs for custom domains: re-verification and its schedule. */
@Module({
  imports: [DomainsModule, BullModule.registerQueue({ name: DOMAINS_QUEUE })],
  providers: [DomainChecksProcessor],
})
export class DomainJobsModule implements OnApplicationBootstrap {
  constructor(@InjectQueue(DOMAINS_QUEUE) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await scheduleEvery(
      this.queue,
      DomainJob.RECHECK,
      { requestedAt: new Date().toISOString() },
      RECHECK_SCAN_EVERY_MS,
    );
  }
}
