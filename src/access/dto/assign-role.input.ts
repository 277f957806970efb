import { Field, ID, InputType } from '@nestjs/graphql';
import { IsDate, IsOptional } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { IsRoleId } from '../../common/validation/is-role-id';

@InputType()
export class AssignRoleInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => ID)
  @IsObjectId()
  userId!: string;

  @Field(() => ID, { description: 'A custom role id or a built-in role key.' })
  @IsRoleId()
  roleId!: string;

  @Field(() => Date, { nullable: true, description: 'When the access ends by itself. Omit for no end.' })
  @IsOptional()
  @IsDate()
  expiresAt?: Date;
}
