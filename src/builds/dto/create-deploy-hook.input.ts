import { Field, ID, InputType } from '@nestjs/graphql';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

@InputType()
export class CreateDeployHookInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @Field()
  @IsString()
  @MaxLength(255)
  branch!: string;
}
