import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { IsInt, Max, Min } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

/** The longest a replaced secret may keep working: a week. */
export const MAX_GRACE_PERIOD_SECONDS = 7 * 24 * 3600;

@InputType()
export class RotateApiTokenInput {
  @Field(() => ID)
  @IsObjectId()
  id!: string;

  @Field(() => Int, {
    description: `How long the current secret keeps working beside the new one, 0 (it stops at once) to ${MAX_GRACE_PERIOD_SECONDS} seconds.`,
  })
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_PERIOD_SECONDS)
  gracePeriodSeconds!: number;
}
