import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ApiToken } from './api-token.model';

/** What creating or rotating a token answers: the secret, shown this once and never again. */
@ObjectType()
export class ApiTokenSecret {
  @Field({ description: 'The token to send as `Authorization: Bearer …`. Store it now: it is never shown again.' })
  secret!: string;

  @Field(() => ApiToken)
  token!: ApiToken;

  /** For the audit entry: the project a restricted token belongs to. */
  @Field(() => ID, { nullable: true })
  projectId!: string | null;

  static of(secret: string, token: ApiToken): ApiTokenSecret {
    return Object.assign(new ApiTokenSecret(), { secret, token, projectId: token.projectId });
  }
}
