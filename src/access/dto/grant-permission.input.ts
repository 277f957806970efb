import { Field, InputType } from '@nestjs/graphql';
import { IsDate, IsIn, IsOptional } from 'class-validator';
import { PermissionEnum } from '../permission.enum';
import { PERMISSIONS, type Permission } from '../permissions';
import { ProjectMemberInput } from './project-member.input';

@InputType({ description: 'Grants one permission directly to a user, optionally until a time.' })
export class GrantPermissionInput extends ProjectMemberInput {
  @Field(() => PermissionEnum)
  @IsIn(PERMISSIONS)
  permission!: Permission;

  @Field(() => Date, { nullable: true })
  @IsOptional()
  @IsDate()
  expiresAt?: Date;
}
