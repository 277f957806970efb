import { InjectQueue, Process, Processor } from '@nestjs/bull';
import type { OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../../config/app-config';
import { scheduleEvery } from '../../jobs/schedule';
import { DatabasesService, type SweepResult } from '../databases.service';
import { DATABASES_QUEUE, DatabaseJob } from './database-jobs';

/**
 * Every DATABASE_SWEEP_INTERVAL_MS, queues again what nothing else would: databases stuck
 * PROVISIONING or DELETING (a crash before their job was queued, a job that failed or stalled, a
 * host that was down) and the databases of projects that no longer exist.
 */
@Processor(DATABASES_QUEUE)
export class DatabaseSweeperProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly databases: DatabasesService,
    @InjectQueue(DATABASES_QUEUE) private readonly queue: Queue,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await scheduleEvery(
      this.queue,
      DatabaseJob.SWEEP,
      { requestedAt: new Date().toISOString() },
      this.config.DATABASE_SWEEP_INTERVAL_MS,
    );
  }

  @Process(DatabaseJob.SWEEP)
  sweep(): Promise<SweepResult> {
    return this.databases.sweep();
  }
}
