import { Field, ObjectType } from '@nestjs/graphql';
import { AuthPayload } from '../../../auth/models/auth-payload.model';
import { Invitation } from './invitation.model';

@ObjectType({ description: 'The account made from an invitation, signed in, and the invitation it accepted.' })
export class NewMemberSession {
  @Field(() => AuthPayload)
  auth!: AuthPayload;

  @Field(() => Invitation)
  invitation!: Invitation;
}
