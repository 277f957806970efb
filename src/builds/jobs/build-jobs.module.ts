import { BullModule, InjectQueue } from '@nestjs/bull';
import { Module, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '../../config/app-config';
import { DeploymentsModule } from '../../deployments/deployments.module';
import { ExecutorModule } from '../../executor/executor.module';
import { SettingsModule } from '../../settings/settings.module';
import { BuildsModule } from '../builds.module';
import { BUILDS_QUEUE, BuildJob, type BuildJobPayloads } from './build-jobs';
import { BuildRunnerService } from './build-runner.service';

/**
 * What a worker runs for builds: the build runner, `BUILD_CONCURRENCY` builds at a time. The
 * handler is attached here rather than with `@Process`, whose concurrency is fixed when the code
 * is loaded, not read from the configuration.
 */
@Module({
  imports: [
    BuildsModule,
    SettingsModule,
    DeploymentsModule,
    ExecutorModule,
    BullModule.registerQueue({ name: BUILDS_QUEUE }),
  ],
  providers: [BuildRunnerService],
})
export class BuildJobsModule implements OnModuleInit {
  constructor(
    @InjectQueue(BUILDS_QUEUE) private readonly queue: Queue<BuildJobPayloads[BuildJob.RUN]>,
    private readonly runner: BuildRunnerService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    void this.queue.process(BuildJob.RUN, this.config.BUILD_CONCURRENCY, (job) => this.runner.run(job.data.buildId));
  }
}
