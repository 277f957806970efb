import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { BuildStatus } from '../build.schema';
import type { Stats } from '../build-stats';

@ObjectType()
export class BuildStatusCount {
  @Field(() => BuildStatus)
  status!: BuildStatus;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Figures over the builds queued in a period. Null where no build gives a figure.' })
export class BuildStats {
  @Field(() => Int)
  total!: number;

  @Field(() => [BuildStatusCount])
  byStatus!: BuildStatusCount[];

  @Field(() => Float, { nullable: true, description: 'Succeeded among builds that succeeded, failed or timed out.' })
  successRate!: number | null;

  @Field(() => Int, { nullable: true })
  averageDurationMs!: number | null;

  @Field(() => Int, { nullable: true })
  p50DurationMs!: number | null;

  @Field(() => Int, { nullable: true })
  p95DurationMs!: number | null;

  @Field(() => Int, { nullable: true, description: 'From queued to started.' })
  averageQueueWaitMs!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Builds that restored a cache among those that looked for one (HIT or MISS).',
  })
  cacheHitRate!: number | null;

  static from(stats: Stats): BuildStats {
    return Object.assign(new BuildStats(), stats);
  }
}

@ObjectType()
export class BuildDay {
  @Field({ description: 'The start of the day, UTC.' })
  day!: Date;

  @Field(() => BuildStats)
  stats!: BuildStats;
}
