import { Field, Float, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { BuildCacheUseRecord } from '../build.schema';
import { CacheUse } from '../cache/build-cache.schema';
import type { CacheStats } from '../cache/build-cache.service';

registerEnumType(CacheUse, {
  name: 'BuildCacheStatus',
  valuesMap: {
    HIT: { description: 'A cache saved under the same key was restored before install.' },
    MISS: { description: 'No cache had the key; one was saved after the build.' },
    SKIPPED: { description: 'The build used no cache (see reason).' },
  },
});

@ObjectType({ description: 'How a build used the cache.' })
export class BuildCacheUse {
  @Field(() => CacheUse)
  status!: CacheUse;

  @Field(() => String, {
    nullable: true,
    description: 'Made from the lockfiles, the cached directories, the install command and the platform.',
  })
  key!: string | null;

  @Field(() => [String], { description: 'The lockfiles the key was made from, relative to the repository.' })
  lockfiles!: string[];

  @Field(() => [String], { description: 'The directories restored and saved, relative to the repository.' })
  directories!: string[];

  @Field(() => String, { nullable: true, description: 'Why the cache was not used, when it was not.' })
  reason!: string | null;

  @Field(() => Float, { nullable: true })
  restoredBytes!: number | null;

  @Field(() => Float, { nullable: true })
  savedBytes!: number | null;

  static from(record: BuildCacheUseRecord): BuildCacheUse {
    return Object.assign(new BuildCacheUse(), record);
  }
}

@ObjectType({ description: "A project's build cache, and how often its builds found what they looked for." })
export class BuildCacheStats {
  @Field(() => Int)
  entries!: number;

  @Field(() => Float)
  sizeBytes!: number;

  @Field(() => Int, { description: 'Builds of the last 30 days that restored a cache.' })
  hits!: number;

  @Field(() => Int, { description: 'Builds of the last 30 days that looked for a cache and found none.' })
  misses!: number;

  @Field(() => Float, { nullable: true, description: 'Hits among hits and misses; null when no build looked.' })
  hitRate!: number | null;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  static from(stats: CacheStats): BuildCacheStats {
    return Object.assign(new BuildCacheStats(), stats);
  }
}

@ObjectType()
export class ClearedBuildCache {
  @Field(() => Int, { description: 'Entries removed.' })
  entries!: number;

  @Field(() => Float, { description: 'Bytes freed.' })
  sizeBytes!: number;
}
