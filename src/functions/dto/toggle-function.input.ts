import { Field, InputType } from '@nestjs/graphql';
import { IsBoolean } from 'class-validator';
import { FunctionRefInput } from './function-ref.input';

@InputType()
export class ToggleFunctionInput extends FunctionRefInput {
  @Field(() => Boolean, {
    description: 'false: invocations are refused with FUNCTION_DISABLED until it is enabled again.',
  })
  @IsBoolean()
  enabled!: boolean;
}
