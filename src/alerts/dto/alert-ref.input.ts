import { Field, ID, InputType } from '@nestjs/graphql';
import { IsObjectId } from '../../common/validation/is-object-id';

/** Names an alert rule, for the mutations that act on one. */
@InputType()
export class AlertRefInput {
  @Field(() => ID)
  @IsObjectId()
  id!: string;
}
