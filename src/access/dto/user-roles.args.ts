import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsOptional } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { PageArgs } from '../../common/pagination/page.args';

@ArgsType()
export class UserRolesArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => ID, { nullable: true, description: 'Only this user’s roles; all members’ when omitted.' })
  @IsOptional()
  @IsObjectId()
  userId?: string;
}
