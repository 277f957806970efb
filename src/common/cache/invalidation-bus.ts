import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PubSubEngine } from 'graphql-subscriptions';
import { PUB_SUB } from '../pubsub/pubsub.token';

/**
 * Tells every process to drop cached entries: a change made in one API process must not be
 * served stale by another. Delivery is Redis pub/sub; caches also bound entries' age, so a
 * message lost in a Redis outage costs at most that age.
 */
@Injectable()
export class InvalidationBus {
  private readonly logger = new Logger(InvalidationBus.name);

  constructor(@Inject(PUB_SUB) private readonly pubSub: PubSubEngine) {}

  async publish(topic: string, key: string): Promise<void> {
    try {
      await this.pubSub.publish(`internal:invalidate:${topic}`, { key });
    } catch (error) {
      this.logger.error(`Could not broadcast an invalidation of ${topic}: ${(error as Error).message}`);
    }
  }

  async subscribe(topic: string, onKey: (key: string) => void): Promise<void> {
    await this.pubSub.subscribe(
      `internal:invalidate:${topic}`,
      (message: { key?: unknown }) => {
        if (typeof message?.key === 'string') onKey(message.key);
      },
      {},
    );
  }
}
