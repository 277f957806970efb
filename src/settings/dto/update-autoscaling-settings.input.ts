import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { IsInt, ValidateIf } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

/** Omitted leaves a field as it is; an explicit null is refused by the validators after it. */
const unlessOmitted = ValidateIf((_input: object, value: unknown) => value !== undefined);

/** Within the platform's bounds (`platformLimits`); the minimum never above the maximum. */
@InputType()
export class UpdateAutoscalingSettingsInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => Int, { nullable: true })
  @unlessOmitted
  @IsInt()
  minWarmInstances?: number;

  @Field(() => Int, { nullable: true })
  @unlessOmitted
  @IsInt()
  maxWarmInstances?: number;

  @Field(() => Int, { nullable: true })
  @unlessOmitted
  @IsInt()
  targetConcurrency?: number;
}
