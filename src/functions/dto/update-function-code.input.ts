import { Field, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { FunctionFileInput } from './function-file.input';
import { FunctionRefInput } from './function-ref.input';

@InputType()
export class UpdateFunctionCodeInput extends FunctionRefInput {
  @Field(() => [FunctionFileInput])
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => FunctionFileInput)
  files!: FunctionFileInput[];

  @Field({ nullable: true, description: "The newest version's runtime when omitted." })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  runtime?: string;

  @Field({ nullable: true, description: "The newest version's handler when omitted." })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  handler?: string;

  @Field(() => Boolean, { defaultValue: false, description: 'Make the new version active at once.' })
  @IsBoolean()
  deploy = false;
}
