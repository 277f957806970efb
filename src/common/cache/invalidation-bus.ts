import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PubSubEngine } from 'graphql-subscriptions';
import { PUB_SUB } from '../pubsub/pubsub.token';

/**
 * Tells every process to drop cached entries: a change made in one API process must not be
 * served stale by another. Delivery is Redis pub/sub: messages wait in the PubSub's outbox while
 * Redis is unreachable, and a process whose subscription was cut drops its whole cache when it
 * is back, since messages sent meanwhile may never reach it. Caches also bound entries' age.
 */
/** The PubSub as the bus uses it: it also says when its subscription was cut and is back. */
export type ResyncingPubSub = Pick<PubSubEngine, 'publish' | 'subscribe'> & { onResync(listener: () => void): void };

@Injectable()
export class InvalidationBus {
  private readonly logger = new Logger(InvalidationBus.name);

  constructor(@Inject(PUB_SUB) private readonly pubSub: ResyncingPubSub) {}

  async publish(topic: string, key: string): Promise<void> {
    try {
      await this.pubSub.publish(`internal:invalidate:${topic}`, { key });
    } catch (error) {
      this.logger.error(`Could not broadcast an invalidation of ${topic}: ${(error as Error).message}`);
    }
  }

  /** `onKey` receives each prefix to drop, and `''` (everything) after a lost subscription. */
  async subscribe(topic: string, onKey: (key: string) => void): Promise<void> {
    this.pubSub.onResync(() => onKey(''));
    await this.pubSub.subscribe(
      `internal:invalidate:${topic}`,
      (message: unknown) => {
        const key = (message as { key?: unknown } | null)?.key;
        if (typeof key === 'string') onKey(key);
      },
      {},
    );
  }
}
