import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { IsInt, Max, Min } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

export const MAX_LOG_PAGE = 1_000;

@ArgsType()
export class BuildLogsArgs {
  @Field(() => ID)
  @IsObjectId()
  buildId!: string;

  @Field(() => Int, { defaultValue: 0, description: 'Lines after this sequence number (0: from the start).' })
  @IsInt()
  @Min(0)
  afterSeq = 0;

  @Field(() => Int, { defaultValue: 500, description: `Lines to return, 1 to ${MAX_LOG_PAGE}.` })
  @IsInt()
  @Min(1)
  @Max(MAX_LOG_PAGE)
  first = 500;
}
