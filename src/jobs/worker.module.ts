import { Logger, Module, type BeforeApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import Bull, { type Queue } from 'bull';
import { AppConfig } from '../config/app-config';

/**
 * The worker role's own concern: stopping well. Loaded only when PROCESS_ROLE is `worker` or
 * `all`, beside the features' jobs modules, whose queues it finds by itself.
 */
@Module({ imports: [DiscoveryModule] })
export class WorkerModule implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerModule.name);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Stops taking new jobs and gives running ones the grace period to finish. What is still
   * running after it is handed back: its lock lapses and another worker picks it up.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const grace = this.config.SHUTDOWN_GRACE_SECONDS * 1000;
    await Promise.all(
      this.queues().map(async (queue) => {
        if (grace === 0) {
          // Waiting, even for no time, makes Bull reopen its blocking connection (how it aborts a
          // blocked read); a close during the reopening fails it with "Connection is closed" where
          // nothing catches it, and the process dies of it. Closing at once skips the reopening.
          this.logger.log(`Closing ${queue.name} without waiting; a job still running is handed back`);
          await queue.close(true);
          return;
        }
        const drained = queue.pause(true, false).then(() => true);
        const timedOut = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), grace).unref());
        if (!(await Promise.race([drained, timedOut]))) {
          this.logger.warn(`Jobs still running on ${queue.name} after ${grace} ms; handing them back`);
          await queue.close(true);
        }
      }),
    );
  }

  private queues(): Queue[] {
    const found = new Set<Queue>();
    for (const wrapper of this.discovery.getProviders()) {
      if (wrapper.isDependencyTreeStatic() && wrapper.instance instanceof Bull) found.add(wrapper.instance);
    }
    return [...found];
  }
}
