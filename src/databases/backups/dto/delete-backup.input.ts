import { Field, ID, InputType } from '@nestjs/graphql';
import { IsObjectId } from '../../../common/validation/is-object-id';

@InputType()
export class DeleteBackupInput {
  @Field(() => ID)
  @IsObjectId()
  backupId!: string;
}
