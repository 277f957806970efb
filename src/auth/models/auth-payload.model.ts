import { Field, Int, ObjectType } from '@nestjs/graphql';
import { User } from './user.model';

@ObjectType()
export class AuthPayload {
  @Field({ description: 'Short-lived JWT; send as `Authorization: Bearer <token>`.' })
  accessToken!: string;

  @Field(() => Int, { description: 'Seconds until the access token expires.' })
  expiresIn!: number;

  @Field({ description: 'Single-use token that obtains the next access token; rotates on every use.' })
  refreshToken!: string;

  @Field(() => User)
  user!: User;
}
