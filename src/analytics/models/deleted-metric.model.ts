import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'What deleting a metric removed.' })
export class DeletedMetric {
  @Field()
  name!: string;

  @Field(() => Int, { description: 'Its series (label sets), which no longer count against the bounds.' })
  series!: number;

  @Field(() => Int, { description: 'Its minute, hour and day buckets.' })
  buckets!: number;

  @Field(() => Int, { description: 'Its raw points.' })
  points!: number;
}
