import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { IsDate, IsInt, Max, Min } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

@ArgsType()
export class BuildStatsArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field({ description: 'Builds queued from this time (included).' })
  @IsDate()
  from!: Date;

  @Field({ description: 'Builds queued before this time; at most 366 days after `from`.' })
  @IsDate()
  to!: Date;
}

@ArgsType()
export class BuildAnalyticsArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => Int, { defaultValue: 7, description: 'Days to cover, ending today (UTC), 1 to 90.' })
  @IsInt()
  @Min(1)
  @Max(90)
  days = 7;
}
