import { ArgsType, Field, ID } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import { PageArgs } from '../../../common/pagination/page.args';
import { IsObjectId } from '../../../common/validation/is-object-id';
import { ActivityFilterInput } from './activity-filter.input';

@ArgsType()
export class ActivityArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => ActivityFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => ActivityFilterInput)
  filter?: ActivityFilterInput;
}
