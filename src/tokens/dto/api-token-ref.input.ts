import { Field, ID, InputType } from '@nestjs/graphql';
import { IsObjectId } from '../../common/validation/is-object-id';

@InputType()
export class ApiTokenRefInput {
  @Field(() => ID)
  @IsObjectId()
  id!: string;
}
