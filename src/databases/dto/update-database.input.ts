import { Field, ID, InputType } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

@InputType()
export class UpdateDatabaseInput {
  @Field(() => ID)
  @IsObjectId()
  id!: string;

  @Field({ description: 'The new name, under the same rules as createDatabase. The server-side names stay.' })
  @IsString()
  @MaxLength(1000)
  name!: string;
}
