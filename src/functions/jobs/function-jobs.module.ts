import { BullModule, InjectQueue } from '@nestjs/bull';
import { Logger, Module, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../../config/app-config';
import { FunctionsModule } from '../functions.module';
import { FunctionInvokerService } from '../function-invoker.service';
import { FunctionSchedulesService } from '../triggers/function-schedules.service';
import { FUNCTIONS_QUEUE, FunctionJob, type FunctionJobPayloads } from './function-jobs';

/**
 * What a worker runs for functions: queued invocations and cron triggers, FUNCTION_WORKER_CONCURRENCY
 * at a time. At boot the cron jobs are made to match the functions' schedules, in case a change
 * was missed (a process that stopped between the change and its jobs).
 */
@Module({
  imports: [FunctionsModule, BullModule.registerQueue({ name: FUNCTIONS_QUEUE })],
})
export class FunctionJobsModule implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(FunctionJobsModule.name);

  constructor(
    @InjectQueue(FUNCTIONS_QUEUE) private readonly queue: Queue,
    private readonly invoker: FunctionInvokerService,
    private readonly schedules: FunctionSchedulesService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    void this.queue.process(FunctionJob.INVOKE, this.config.FUNCTION_WORKER_CONCURRENCY, (job) =>
      this.invoker.runQueued((job.data as FunctionJobPayloads[FunctionJob.INVOKE]).invocationId),
    );
    void this.queue.process(FunctionJob.SCHEDULE, this.config.FUNCTION_WORKER_CONCURRENCY, (job) =>
      this.invoker.runScheduled((job.data as FunctionJobPayloads[FunctionJob.SCHEDULE]).functionId),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.schedules
      .syncAll()
      .catch((error: Error) => this.logger.warn(`Could not bring cron triggers up to date: ${error.message}`));
  }
}
