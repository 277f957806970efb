import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { once } from 'node:events';
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
      useFactory: async (config: AppConfig): Promise<NamespacedPubSub> => {
        const options = { maxRetriesPerRequest: null };
        const publisher = new Redis(config.REDIS_URL, options);
        const subscriber = new Redis(config.REDIS_URL, options);
        // A SUBSCRIBE issued while the connection is still being made can be lost; start ready.
        await Promise.all([publisher, subscriber].map((c) => (c.status === 'ready' ? undefined : once(c, 'ready'))));
        return new NamespacedPubSub(new RedisPubSub({ publisher, subscriber }), config.REDIS_PREFIX);
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
