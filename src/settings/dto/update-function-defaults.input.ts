import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { IsInt, IsString, MaxLength, ValidateIf } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

/** Omitted leaves a field as it is; an explicit null is refused by the validators after it. */
const unlessOmitted = ValidateIf((_input: object, value: unknown) => value !== undefined);

@InputType()
export class UpdateFunctionDefaultsInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field({ nullable: true })
  @unlessOmitted
  @IsString()
  @MaxLength(32)
  runtime?: string;

  @Field(() => Int, { nullable: true, description: "At least 1, at most the project's maxFunctionTimeoutSeconds." })
  @unlessOmitted
  @IsInt()
  timeoutSeconds?: number;

  @Field(() => Int, { nullable: true, description: "At least 128, at most the project's maxFunctionMemoryMb." })
  @unlessOmitted
  @IsInt()
  memoryMb?: number;
}
