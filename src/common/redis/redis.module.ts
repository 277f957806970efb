import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ServiceStatus } from '../availability/service-status';
import { AppConfig } from '../../config/app-config';
import { createRedisClient } from './redis-client';
import { RateLimiter } from './rate-limiter';
import { REDIS } from './redis.token';

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig, ServiceStatus],
      useFactory: (config: AppConfig, status: ServiceStatus): Redis => createRedisClient(config, status, 'commands'),
    },
    RateLimiter,
  ],
  exports: [REDIS, RateLimiter],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
