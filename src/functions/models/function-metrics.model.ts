import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import type { FunctionStats } from '../function-stats';

@ObjectType({ description: "Figures over a function's invocations (tests left out)." })
export class FunctionMetrics {
  @Field(() => Int)
  invocations!: number;

  @Field(() => Int)
  errors!: number;

  @Field(() => Float, { nullable: true, description: 'Failed among finished invocations, from 0 to 1.' })
  errorRate!: number | null;

  @Field(() => Float, { nullable: true })
  averageDurationMs!: number | null;

  @Field(() => Float, { nullable: true })
  p50DurationMs!: number | null;

  @Field(() => Float, { nullable: true })
  p95DurationMs!: number | null;

  @Field(() => Float, { nullable: true })
  p99DurationMs!: number | null;

  @Field(() => Int)
  coldStarts!: number;

  @Field(() => Float, { nullable: true, description: 'Cold starts among finished invocations, from 0 to 1.' })
  coldStartRate!: number | null;

  @Field(() => Float, { nullable: true })
  averageColdStartMs!: number | null;

  static from(stats: FunctionStats): FunctionMetrics {
    return Object.assign(new FunctionMetrics(), stats);
  }
}

@ObjectType()
export class FunctionMetricsBucket {
  @Field({ description: "The bucket's start (UTC)." })
  start!: Date;

  @Field(() => FunctionMetrics)
  metrics!: FunctionMetrics;
}

@ObjectType()
export class FunctionAnalytics {
  @Field(() => [FunctionMetricsBucket], { description: 'One bucket per UTC day, today last.' })
  daily!: FunctionMetricsBucket[];

  @Field(() => [FunctionMetricsBucket], {
    description: 'One bucket per hour over the last 24 hours, the current hour last.',
  })
  hourly!: FunctionMetricsBucket[];
}
