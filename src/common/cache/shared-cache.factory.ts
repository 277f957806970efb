import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InvalidationBus } from './invalidation-bus';
import { SharedCache, type SharedCacheOptions } from './shared-cache';

/**
 * Makes {@link SharedCache}s. Create them in a provider's constructor: the subscriptions that
 * carry other processes' invalidations are in place before the application serves anything.
 */
@Injectable()
export class SharedCacheFactory implements OnModuleInit {
  private readonly subscriptions: Promise<Error | undefined>[] = [];

  constructor(private readonly bus: InvalidationBus) {}

  create<V>(options: SharedCacheOptions): SharedCache<V> {
    const cache = new SharedCache<V>(options, this.bus);
    this.subscriptions.push(
      this.bus
        .subscribe(options.topic, (prefix) => cache.forgetLocally(prefix))
        .then(
          () => undefined,
          (error: unknown) => error as Error,
        ),
    );
    return cache;
  }

  async onModuleInit(): Promise<void> {
    const failure = (await Promise.all(this.subscriptions)).find((error) => error !== undefined);
    if (failure) throw failure;
  }
}
