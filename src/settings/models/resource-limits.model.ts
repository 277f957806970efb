import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({
  description: "A project's limits on its builds and functions, each within the platform's (platformLimits).",
})
export class ResourceLimits {
  @Field(() => Int, { description: "A build's timeout is its settings' timeoutSeconds, held to this." })
  maxBuildTimeoutSeconds!: number;

  @Field(() => Int, { description: 'Memory each process of a build may have.' })
  maxBuildMemoryMb!: number;

  @Field(() => Int)
  maxFunctionTimeoutSeconds!: number;

  @Field(() => Int)
  maxFunctionMemoryMb!: number;

  @Field(() => Int, { description: 'Builds of the project that may run at once; the rest wait, in order.' })
  concurrentBuilds!: number;
}
