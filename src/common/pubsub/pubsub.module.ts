import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { once } from 'node:events';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { ServiceStatus } from '../availability/service-status';
import { createRedisClient } from '../redis/redis-client';
import { AppConfig } from '../../config/app-config';
import { NamespacedPubSub } from './namespaced-pubsub';
import { PublishOutbox } from './publish-outbox';
import { PUB_SUB } from './pubsub.token';

/** Messages kept for Redis while it is unreachable, per process. */
const MAX_UNSENT_MESSAGES = 10_000;

@Global()
@Module({
  providers: [
    {
      provide: PUB_SUB,
      inject: [AppConfig, ServiceStatus],
      useFactory: async (config: AppConfig, status: ServiceStatus): Promise<NamespacedPubSub> => {
        const publisher = createRedisClient(config, status, 'commands');
        const subscriber = createRedisClient(config, status, 'subscriber');
        // A SUBSCRIBE issued while the connection is still being made can be lost; start ready.
        await Promise.all([publisher, subscriber].map((c) => (c.status === 'ready' ? undefined : once(c, 'ready'))));
        const redisPubSub = new RedisPubSub({ publisher, subscriber });
        const outbox = new PublishOutbox(
          (channel, payload) => redisPubSub.publish(channel, payload),
          () => publisher.ping(),
          { waitMs: config.REDIS_TIMEOUT_MS, maxPending: MAX_UNSENT_MESSAGES, retryMs: 250 },
        );
        const pubSub = new NamespacedPubSub(redisPubSub, config.REDIS_PREFIX, outbox);
        subscriber.on('ready', () => pubSub.resynced());
        return pubSub;
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
