import { Field, ID, InputType } from '@nestjs/graphql';
import { IsObjectId } from '../../../common/validation/is-object-id';

@InputType()
export class CreateBackupInput {
  @Field(() => ID)
  @IsObjectId()
  databaseId!: string;
}
