import { BullModule, InjectQueue } from '@nestjs/bull';
import { Module, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../../config/app-config';
import { FunctionsModule } from '../functions.module';
import { FunctionInvokerService } from '../function-invoker.service';
import { FUNCTIONS_QUEUE, FunctionJob, type FunctionJobPayloads } from './function-jobs';

/** What a worker runs for functions: queued invocations, FUNCTION_WORKER_CONCURRENCY at a time. */
@Module({
  imports: [FunctionsModule, BullModule.registerQueue({ name: FUNCTIONS_QUEUE })],
})
export class FunctionJobsModule implements OnModuleInit {
  constructor(
    @InjectQueue(FUNCTIONS_QUEUE) private readonly queue: Queue,
    private readonly invoker: FunctionInvokerService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    void this.queue.process(FunctionJob.INVOKE, this.config.FUNCTION_WORKER_CONCURRENCY, (job) =>
      this.invoker.runQueued((job.data as FunctionJobPayloads[FunctionJob.INVOKE]).invocationId),
    );
  }
}
