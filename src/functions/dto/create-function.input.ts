import { Field, ID, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { FunctionFileInput } from './function-file.input';
import { FunctionSettingsInput } from './function-settings.input';

export const FUNCTION_NAME = /^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/;
export const FUNCTION_NAME_MESSAGE =
  'name must be 1 to 64 lowercase letters, digits, "-" or "_", starting and ending with a letter or digit';

@InputType()
export class CreateFunctionInput extends FunctionSettingsInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field({ description: 'Unique in the project; part of its HTTP path.' })
  @IsString()
  @Matches(FUNCTION_NAME, { message: FUNCTION_NAME_MESSAGE })
  name!: string;

  @Field({ nullable: true, description: "The runtime (see `runtimes`); the project's default when omitted." })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  runtime?: string;

  @Field({
    nullable: true,
    description: "Where the handler is: index.handler, main.handler, … (the runtime's usual one when omitted).",
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  handler?: string;

  @Field(() => [FunctionFileInput], { description: 'The code of version 1, made active at once.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => FunctionFileInput)
  files!: FunctionFileInput[];
}
