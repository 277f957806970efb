import { BullModule, InjectQueue } from '@nestjs/bull';
import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { scheduleEvery } from '../../jobs/schedule';
import { AccessModule } from '../access.module';
import { ACCESS_QUEUE, AccessJob } from './access-jobs';
import { AccessMaintenanceProcessor } from './access-maintenance.processor';

const EXPIRE_ACCESS_EVERY_MS = 30_000;

/** What a worker runs for access: the expiry processor and its schedule. */
@Module({
  imports: [AccessModule, BullModule.registerQueue({ name: ACCESS_QUEUE })],
  providers: [AccessMaintenanceProcessor],
})
export class AccessJobsModule implements OnApplicationBootstrap {
  constructor(@InjectQueue(ACCESS_QUEUE) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await scheduleEvery(
      this.queue,
      AccessJob.EXPIRE,
      { requestedAt: new Date().toISOString() },
      EXPIRE_ACCESS_EVERY_MS,
    );
  }
}
