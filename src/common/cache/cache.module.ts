import { Global, Module } from '@nestjs/common';
import { InvalidationBus } from './invalidation-bus';
import { SharedCacheFactory } from './shared-cache.factory';

@Global()
@Module({
  providers: [InvalidationBus, SharedCacheFactory],
  exports: [SharedCacheFactory],
})
export class CacheModule {}
