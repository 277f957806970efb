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
    await Promise.all(this.queues().map((queue) => this.stop(queue, grace)));
  }

  private async stop(queue: Queue, grace: number): Promise<void> {
    // Waiting for running jobs makes Bull reopen its blocking Redis connection (how it aborts a
    // blocked read). Without Redis the reopening fails, and a close during it fails it too, both
    // with "Connection is closed" where nothing catches it. So with no grace, or no Redis to wait
    // with, the queue is closed at once.
    if (grace === 0) {
      this.logger.log(`Closing ${queue.name} at once; a job still running is handed back`);
      return this.close(queue);
    }
    if (queue.client.status !== 'ready') {
      this.logger.warn(`Redis is unreachable: closing ${queue.name} at once; a job still running is handed back`);
      return this.close(queue);
    }
    const outcome = await Promise.race([
      queue.pause(true, false).then(
        () => 'drained' as const,
        (error: unknown) => error as Error,
      ),
      new Promise<'timedOut'>((resolve) => setTimeout(() => resolve('timedOut'), grace).unref()),
    ]);
    if (outcome === 'drained') return;
    this.logger.warn(
      outcome === 'timedOut'
        ? `Jobs still running on ${queue.name} after ${grace} ms; handing them back`
        : `Could not wait for the jobs of ${queue.name} (${outcome.message}); handing them back`,
    );
    await this.close(queue);
  }

  /** Closes without waiting for running jobs; a close that fails (Redis gone) leaves nothing to do but say so. */
  private async close(queue: Queue): Promise<void> {
    await queue.close(true).catch((error: unknown) => {
      this.logger.warn(`Closing ${queue.name} failed: ${(error as Error).message}`);
    });
  }

  private queues(): Queue[] {
    const found = new Set<Queue>();
    for (const wrapper of this.discovery.getProviders()) {
      if (wrapper.isDependencyTreeStatic() && wrapper.instance instanceof Bull) found.add(wrapper.instance);
    }
    return [...found];
  }
}
