import { Field, ID, InputType } from '@nestjs/graphql';
import { ProjectMemberInput } from '../../../access/dto/project-member.input';
import { IsRoleId } from '../../../access/is-role-id';

@InputType()
export class UpdateMemberRoleInput extends ProjectMemberInput {
  @Field(() => ID, { description: 'The member’s one role from now on: a custom role id or a built-in role key.' })
  @IsRoleId()
  roleId!: string;
}
