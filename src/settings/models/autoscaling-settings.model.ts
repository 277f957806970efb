import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: "How each of a project's functions scales, unless the function says otherwise." })
export class AutoscalingSettings {
  @Field(() => Int, { description: 'Instances kept warm even when idle.' })
  minWarmInstances!: number;

  @Field(() => Int, { description: 'The most instances kept warm; at least minWarmInstances.' })
  maxWarmInstances!: number;

  @Field(() => Int, { description: 'Requests one instance takes at once before another is started.' })
  targetConcurrency!: number;
}
