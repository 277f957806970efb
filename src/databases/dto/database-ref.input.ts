import { Field, ID, InputType } from '@nestjs/graphql';
import { IsObjectId } from '../../common/validation/is-object-id';

/** Names a database, for the mutations that act on one. */
@InputType()
export class DatabaseRefInput {
  @Field(() => ID)
  @IsObjectId()
  id!: string;
}
