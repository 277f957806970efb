import { PubSubEngine } from 'graphql-subscriptions';
import type { RedisPubSub } from 'graphql-redis-subscriptions';
import type { PublishOutbox } from './publish-outbox';

/**
 * Prefixes every channel so that several deployments (or test files) can share one Redis.
 * The Redis engine's own `triggerTransform` applies to subscribing only, not to publishing,
 * which is why the namespace lives here. Publishing goes through an outbox, so that it never
 * waits on an unreachable Redis for long and loses nothing to a short outage.
 */
export class NamespacedPubSub extends PubSubEngine {
  private readonly resyncListeners: Array<() => void> = [];

  constructor(
    private readonly inner: RedisPubSub,
    private readonly namespace: string,
    private readonly outbox: PublishOutbox,
  ) {
    super();
  }

  publish(trigger: string, payload: unknown): Promise<void> {
    return this.outbox.publish(this.channel(trigger), payload);
  }

  subscribe(trigger: string, onMessage: (message: unknown) => void, options: object = {}): Promise<number> {
    return this.inner.subscribe(this.channel(trigger), onMessage, options);
  }

  unsubscribe(subscriptionId: number): void {
    this.inner.unsubscribe(subscriptionId);
  }

  /**
   * Runs `listener` each time the subscribing connection is back after losing Redis: messages
   * published meanwhile by other processes may never arrive, so what they would have said must
   * be assumed (a cache drops everything).
   */
  onResync(listener: () => void): void {
    this.resyncListeners.push(listener);
  }

  /** Called by the subscribing connection when it is ready again after a disconnection. */
  resynced(): void {
    for (const listener of this.resyncListeners) listener();
  }

  async close(): Promise<void> {
    await this.outbox.close();
    await this.inner.close();
  }

  private channel(trigger: string): string {
    return `${this.namespace}:events:${trigger}`;
  }
}
