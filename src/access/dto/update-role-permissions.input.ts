import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayUnique } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { PermissionEnum } from '../permission.enum';
import { PERMISSIONS, type Permission } from '../permissions';

@InputType({ description: 'Replaces the permissions of a custom role.' })
export class UpdateRolePermissionsInput {
  @Field(() => ID)
  @IsObjectId({ message: 'roleId must be a custom role id' })
  roleId!: string;

  @Field(() => [PermissionEnum])
  @ArrayMaxSize(PERMISSIONS.length)
  @ArrayUnique()
  permissions!: Permission[];
}
