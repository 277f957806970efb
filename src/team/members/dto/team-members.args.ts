import { ArgsType, Field, ID } from '@nestjs/graphql';
import { PageArgs } from '../../../common/pagination/page.args';
import { IsObjectId } from '../../../common/validation/is-object-id';

@ArgsType()
export class TeamMembersArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;
}
