import { Field, ID, InputType } from '@nestjs/graphql';
import { IsOptional, IsString, Matches } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { FUNCTION_NAME, FUNCTION_NAME_MESSAGE } from './create-function.input';
import { FunctionSettingsInput } from './function-settings.input';

@InputType()
export class UpdateFunctionInput extends FunctionSettingsInput {
  @Field(() => ID)
  @IsObjectId()
  functionId!: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @Matches(FUNCTION_NAME, { message: FUNCTION_NAME_MESSAGE })
  name?: string;
}
