import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: "The platform's bounds on projects' settings, set by its operator." })
export class PlatformLimits {
  @Field(() => Int)
  maxBuildTimeoutSeconds!: number;

  @Field(() => Int)
  maxBuildMemoryMb!: number;

  @Field(() => Int)
  maxFunctionTimeoutSeconds!: number;

  @Field(() => Int)
  maxFunctionMemoryMb!: number;

  @Field(() => Int, { description: 'The most concurrentBuilds a project may have.' })
  maxConcurrentBuilds!: number;

  @Field(() => Int, { description: 'The most maxWarmInstances a project may have.' })
  maxWarmInstances!: number;

  @Field(() => Int, { description: 'The highest targetConcurrency a project may have.' })
  maxTargetConcurrency!: number;
}
