import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { NamespacedPubSub } from './namespaced-pubsub';
import { PUB_SUB } from './pubsub.token';

@Global()
@Module({
  providers: [
    {
      provide: PUB_SUB,
      inject: [AppConfig],
      useFactory: (config: AppConfig): NamespacedPubSub => {
        const options = { maxRetriesPerRequest: null };
        const redis = new RedisPubSub({
          publisher: new Redis(config.REDIS_URL, options),
          subscriber: new Redis(config.REDIS_URL, options),
        });
        return new NamespacedPubSub(redis, config.REDIS_PREFIX);
      },
    },
  ],
  exports: [PUB_SUB],
})
export class PubSubModule implements OnApplicationShutdown {
  constructor(@Inject(PUB_SUB) private readonly pubSub: NamespacedPubSub) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pubSub.close();
  }
}
