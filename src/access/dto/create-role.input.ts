import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayUnique, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { PermissionEnum } from '../permission.enum';
import { PERMISSIONS, type Permission } from '../permissions';

@InputType()
export class CreateRoleInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(60)
  @Matches(/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u, {
    message: 'name may contain letters, digits, spaces, dots, dashes and underscores',
  })
  name!: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @Field(() => [PermissionEnum])
  @ArrayMaxSize(PERMISSIONS.length)
  @ArrayUnique()
  permissions!: Permission[];
}
