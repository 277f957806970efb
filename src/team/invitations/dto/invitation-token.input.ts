import { Field, InputType } from '@nestjs/graphql';
import { Matches } from 'class-validator';
import { INVITATION_TOKEN_PATTERN } from '../invitation-token';

@InputType()
export class InvitationTokenInput {
  @Field({ description: 'The token of the link the invitation email carries (slwi_…).' })
  @Matches(INVITATION_TOKEN_PATTERN, { message: 'token must be an invitation token (slwi_ and 43 characters)' })
  token!: string;
}
