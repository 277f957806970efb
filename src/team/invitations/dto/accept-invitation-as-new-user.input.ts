import { Field, InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { INVITATION_TOKEN_PATTERN } from '../invitation-token';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/** The account's fields are held to the same rules as signing up (RegisterInput). */
@InputType()
export class AcceptInvitationAsNewUserInput {
  @Field({ description: 'The token of the link the invitation email carries (slwi_…).' })
  @Matches(INVITATION_TOKEN_PATTERN, { message: 'token must be an invitation token (slwi_ and 43 characters)' })
  token!: string;

  @Field()
  @Transform(trim)
  @IsString()
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(100)
  name!: string;

  @Field({ description: '10 to 200 characters.' })
  @IsString()
  @MinLength(10, { message: 'password must be at least 10 characters' })
  @MaxLength(200)
  password!: string;
}
