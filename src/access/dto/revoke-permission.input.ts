import { Field, ID, InputType } from '@nestjs/graphql';
import { IsIn } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { PermissionEnum } from '../permission.enum';
import { PERMISSIONS, type Permission } from '../permissions';

@InputType()
export class RevokePermissionInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => ID)
  @IsObjectId()
  userId!: string;

  @Field(() => PermissionEnum)
  @IsIn(PERMISSIONS)
  permission!: Permission;
}
