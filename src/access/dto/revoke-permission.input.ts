import { Field, InputType } from '@nestjs/graphql';
import { IsIn } from 'class-validator';
import { PermissionEnum } from '../permission.enum';
import { PERMISSIONS, type Permission } from '../permissions';
import { ProjectMemberInput } from './project-member.input';

@InputType()
export class RevokePermissionInput extends ProjectMemberInput {
  @Field(() => PermissionEnum)
  @IsIn(PERMISSIONS)
  permission!: Permission;
}
