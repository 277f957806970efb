import { Field, ID, InputType } from '@nestjs/graphql';
import { IsRoleId } from '../is-role-id';
import { ProjectMemberInput } from './project-member.input';

@InputType()
export class RemoveRoleInput extends ProjectMemberInput {
  @Field(() => ID)
  @IsRoleId()
  roleId!: string;
}
