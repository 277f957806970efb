import { Field, ID, InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { IsEmail, MaxLength } from 'class-validator';
import { IsRoleId } from '../../../access/is-role-id';
import { IsObjectId } from '../../../common/validation/is-object-id';

/** Emails are compared trimmed and lower-case, as accounts store them. */
export const normalizeEmail = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

@InputType()
export class InviteMemberInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field({ description: 'Where the invitation is sent; compared trimmed and lower-case.' })
  @Transform(normalizeEmail)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(254)
  email!: string;

  @Field(() => ID, { description: 'The role offered: a custom role id or a built-in role key.' })
  @IsRoleId()
  roleId!: string;
}
