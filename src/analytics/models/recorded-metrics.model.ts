import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'What a recording stored.' })
export class RecordedMetrics {
  @Field(() => Int, { description: 'The points stored.' })
  count!: number;
}
