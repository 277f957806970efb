import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { IsInt, ValidateIf } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

/** Omitted leaves a field as it is; an explicit null is refused by the validators after it. */
const unlessOmitted = ValidateIf((_input: object, value: unknown) => value !== undefined);

/** Each within the platform's bounds (`platformLimits`). */
@InputType()
export class UpdateResourceLimitsInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => Int, { nullable: true, description: 'At least 10.' })
  @unlessOmitted
  @IsInt()
  maxBuildTimeoutSeconds?: number;

  @Field(() => Int, { nullable: true, description: 'At least 128.' })
  @unlessOmitted
  @IsInt()
  maxBuildMemoryMb?: number;

  @Field(() => Int, { nullable: true, description: 'At least 1, and no less than the function defaults use.' })
  @unlessOmitted
  @IsInt()
  maxFunctionTimeoutSeconds?: number;

  @Field(() => Int, { nullable: true, description: 'At least 128, and no less than the function defaults use.' })
  @unlessOmitted
  @IsInt()
  maxFunctionMemoryMb?: number;

  @Field(() => Int, { nullable: true, description: 'At least 1.' })
  @unlessOmitted
  @IsInt()
  concurrentBuilds?: number;
}
