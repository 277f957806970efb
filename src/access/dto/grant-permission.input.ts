import { Field, ID, InputType } from '@nestjs/graphql';
import { IsDate, IsIn, IsOptional } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { PermissionEnum } from '../permission.enum';
import { PERMISSIONS, type Permission } from '../permissions';

@InputType({ description: 'Grants one permission directly to a user, optionally until a time.' })
export class GrantPermissionInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => ID)
  @IsObjectId()
  userId!: string;

  @Field(() => PermissionEnum)
  @IsIn(PERMISSIONS)
  permission!: Permission;

  @Field(() => Date, { nullable: true })
  @IsOptional()
  @IsDate()
  expiresAt?: Date;
}
