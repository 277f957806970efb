import { Field, ID, InputType } from '@nestjs/graphql';
import { IsObjectId } from '../../common/validation/is-object-id';

/** Names a domain, for the mutations that act on one. */
@InputType()
export class DomainRefInput {
  @Field(() => ID)
  @IsObjectId()
  domainId!: string;
}
