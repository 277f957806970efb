import { Field, ID, InputType } from '@nestjs/graphql';
import { IsObjectId } from '../../common/validation/is-object-id';

@InputType()
export class DeleteRoleInput {
  @Field(() => ID)
  @IsObjectId({ message: 'roleId must be a custom role id' })
  roleId!: string;
}
