import { Field, ID, Int, ObjectType } from '@nestjs/graphql';

@ObjectType()
export class ApiTokenDayUsage {
  @Field({ description: 'A UTC day, `YYYY-MM-DD`.' })
  day!: string;

  @Field(() => Int, { description: 'HTTP requests and WebSocket operations the token authenticated that day.' })
  count!: number;
}

@ObjectType()
export class ApiTokenUsage {
  @Field(() => ID)
  tokenId!: string;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => String, { nullable: true })
  lastUsedIp!: string | null;

  @Field(() => Int, { description: 'The sum of `days`.' })
  totalCount!: number;

  @Field(() => [ApiTokenDayUsage], { description: 'Every day asked for, oldest first, days without use included.' })
  days!: ApiTokenDayUsage[];
}
