import { PubSubEngine } from 'graphql-subscriptions';
import type { RedisPubSub } from 'graphql-redis-subscriptions';

/**
 * Prefixes every channel so that several deployments (or test files) can share one Redis.
 * The Redis engine's own `triggerTransform` applies to subscribing only, not to publishing,
 * which is why the namespace lives here.
 */
export class NamespacedPubSub extends PubSubEngine {
  constructor(
    private readonly inner: RedisPubSub,
    private readonly namespace: string,
  ) {
    super();
  }

  publish(trigger: string, payload: unknown): Promise<void> {
    return this.inner.publish(this.channel(trigger), payload);
  }

  subscribe(trigger: string, onMessage: (message: unknown) => void, options: object = {}): Promise<number> {
    return this.inner.subscribe(this.channel(trigger), onMessage, options);
  }

  unsubscribe(subscriptionId: number): void {
    this.inner.unsubscribe(subscriptionId);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }

  private channel(trigger: string): string {
    return `${this.namespace}:events:${trigger}`;
  }
}
