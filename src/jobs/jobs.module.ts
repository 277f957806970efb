import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

/**
 * Bull's connection and defaults, in API and worker processes alike. Each feature registers its
 * own queue (`BullModule.registerQueue`) in its module, and its processors and schedules in a jobs
 * module of its own that only worker processes load.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        url: config.REDIS_URL,
        prefix: `${config.REDIS_PREFIX}:bull`,
        // A job whose worker died is noticed within about 15 s (its lock lapses after 10 s, and
        // stalled jobs are looked for every 5 s) and handed to another worker once.
        settings: { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 1 },
        defaultJobOptions: {
          removeOnComplete: 1000,
          removeOnFail: 5000,
          attempts: 3,
          backoff: { type: 'exponential', delay: 1000 },
        },
      }),
    }),
  ],
  exports: [BullModule],
})
export class JobsModule {}
