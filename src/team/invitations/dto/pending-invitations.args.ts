import { ArgsType, Field, ID } from '@nestjs/graphql';
import { PageArgs } from '../../../common/pagination/page.args';
import { IsObjectId } from '../../../common/validation/is-object-id';

@ArgsType()
export class PendingInvitationsArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;
}
