import { Field, InputType } from '@nestjs/graphql';
import { IsString, Matches, MaxLength } from 'class-validator';

@InputType()
export class FunctionEnvInput {
  @Field()
  @IsString()
  @Matches(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { message: 'key must be a variable name: letters, digits and _' })
  key!: string;

  @Field()
  @IsString()
  @MaxLength(32 * 1024)
  value!: string;
}
