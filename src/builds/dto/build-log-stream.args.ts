import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { IsInt, Min } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

@ArgsType()
export class BuildLogStreamArgs {
  @Field(() => ID)
  @IsObjectId()
  buildId!: string;

  @Field(() => Int, {
    defaultValue: 0,
    description: 'Replay the stored lines after this sequence number, then follow live (0: from the start).',
  })
  @IsInt()
  @Min(0)
  afterSeq = 0;
}
