import { Field, ID, InputType } from '@nestjs/graphql';
import { IsObjectId } from '../../common/validation/is-object-id';
import { IsRoleId } from '../../common/validation/is-role-id';

@InputType()
export class RemoveRoleInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => ID)
  @IsObjectId()
  userId!: string;

  @Field(() => ID)
  @IsRoleId()
  roleId!: string;
}
