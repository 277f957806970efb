import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { PUB_SUB } from './pubsub.token';


@Global()
@Module({
  providers: [
    {
      provide: PUB_SUB,
      inject: [AppConfig],
      useFactory: (config: AppConfig): RedisPubSub => {
        const options = { maxRetriesPerRequest: null, lazyConnect: false };
        return new RedisPubSub({
          publisher: new Redis(config.REDIS_URL, options),
          subscriber: new Redis(config.REDIS_URL, options),
          // Channels are namespaced so several deployments (or test files) can share one Redis.
          triggerTransform: (trigger) => `${config.REDIS_PREFIX}:events:${String(trigger)}`,
        });
      },
    },
  ],
  exports: [PUB_SUB],
})
export class PubSubModule implements OnApplicationShutdown {
  constructor(@Inject(PUB_SUB) private readonly pubSub: RedisPubSub) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pubSub.close();
  }
}
