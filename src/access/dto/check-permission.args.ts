import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsIn, IsOptional } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { PermissionEnum } from '../permission.enum';
import { PERMISSIONS, type Permission } from '../permissions';

@ArgsType()
export class CheckPermissionArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => PermissionEnum)
  @IsIn(PERMISSIONS)
  permission!: Permission;

  @Field(() => ID, { nullable: true, description: 'Whom to check; the caller when omitted.' })
  @IsOptional()
  @IsObjectId()
  userId?: string;
}
