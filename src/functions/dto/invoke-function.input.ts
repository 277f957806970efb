import { Field, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsEnum, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { GraphQLJSON } from '../../common/graphql/json.scalar';
import { InvocationMode } from '../function-invocation.schema';
import { FunctionFileInput } from './function-file.input';
import { FunctionRefInput } from './function-ref.input';

@InputType()
export class InvokeFunctionInput extends FunctionRefInput {
  @Field(() => GraphQLJSON, { nullable: true, description: 'The event the handler is given.' })
  @IsOptional()
  payload?: unknown;

  @Field(() => InvocationMode, { defaultValue: InvocationMode.SYNC })
  @IsEnum(InvocationMode)
  mode: InvocationMode = InvocationMode.SYNC;
}

@InputType()
export class TestFunctionInput extends FunctionRefInput {
  @Field(() => GraphQLJSON, { nullable: true })
  @IsOptional()
  payload?: unknown;

  @Field(() => [FunctionFileInput], {
    nullable: true,
    description: 'Code to test instead of the active version (nothing is stored as a version).',
  })
  @IsOptional()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => FunctionFileInput)
  files?: FunctionFileInput[];

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  runtime?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  handler?: string;
}
