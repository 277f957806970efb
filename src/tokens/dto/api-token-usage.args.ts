import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { IsInt, Max, Min } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

export const MAX_USAGE_DAYS = 90;

@ArgsType()
export class ApiTokenUsageArgs {
  @Field(() => ID)
  @IsObjectId()
  id!: string;

  @Field(() => Int, { defaultValue: 30, description: `UTC days to count, today included: 1 to ${MAX_USAGE_DAYS}.` })
  @IsInt()
  @Min(1)
  @Max(MAX_USAGE_DAYS)
  days = 30;
}
