import { getQueueToken } from '@nestjs/bull';
import { Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import { AccessModule } from '../access/access.module';
import { AccessMaintenanceProcessor } from '../access/jobs/access-maintenance.processor';
import { AppConfig } from '../config/app-config';
import { MaintenanceJob, QueueName } from './queues';

const EXPIRE_ACCESS_EVERY_MS = 30_000;

/**
 * What a worker process runs: the queue processors and the repeatable maintenance jobs.
 * Loaded only when PROCESS_ROLE is `worker` or `all`.
 */
@Module({
  imports: [AccessModule],
  providers: [AccessMaintenanceProcessor],
})
export class WorkerModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerModule.name);

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue(QueueName.MAINTENANCE).add(
      MaintenanceJob.EXPIRE_ACCESS,
      { requestedAt: new Date().toISOString() },
      { repeat: { every: EXPIRE_ACCESS_EVERY_MS }, jobId: MaintenanceJob.EXPIRE_ACCESS, removeOnComplete: true },
    );
  }

  /**
   * Stops taking new jobs and gives running ones the grace period to finish. What is still
   * running after it is handed back: its lock lapses and another worker picks it up.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const grace = this.config.SHUTDOWN_GRACE_SECONDS * 1000;
    await Promise.all(
      Object.values(QueueName).map(async (name) => {
        const queue = this.queue(name);
        const drained = queue.pause(true, false).then(() => true);
        const timedOut = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), grace).unref());
        if (!(await Promise.race([drained, timedOut]))) {
          this.logger.warn(`Jobs still running on ${name} after ${grace} ms; handing them back`);
          await queue.close(true);
        }
      }),
    );
  }

  private queue(name: QueueName): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }
}
