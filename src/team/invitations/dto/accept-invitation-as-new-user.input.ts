import { Field, InputType, OmitType } from '@nestjs/graphql';
import { Matches } from 'class-validator';
import { RegisterInput } from '../../../auth/dto/register.input';
import { INVITATION_TOKEN_PATTERN } from '../invitation-token';

/** The account's fields are signing up's (RegisterInput, rules included); the email is the invitation's. */
@InputType()
export class AcceptInvitationAsNewUserInput extends OmitType(RegisterInput, ['email'] as const, InputType) {
  @Field({ description: 'The token of the link the invitation email carries (slwi_…).' })
  @Matches(INVITATION_TOKEN_PATTERN, { message: 'token must be an invitation token (slwi_ and 43 characters)' })
  token!: string;
}
