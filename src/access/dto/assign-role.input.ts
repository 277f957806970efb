import { Field, ID, InputType } from '@nestjs/graphql';
import { IsDate, IsOptional } from 'class-validator';
import { IsRoleId } from '../is-role-id';
import { ProjectMemberInput } from './project-member.input';

@InputType()
export class AssignRoleInput extends ProjectMemberInput {
  @Field(() => ID, { description: 'A custom role id or a built-in role key.' })
  @IsRoleId()
  roleId!: string;

  @Field(() => Date, { nullable: true, description: 'When the access ends by itself. Omit for no end.' })
  @IsOptional()
  @IsDate()
  expiresAt?: Date;
}
