import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

export const DEFAULT_GRACE_SECONDS = 86_400;
export const MAX_GRACE_SECONDS = 7 * 86_400;

@InputType()
export class RotateWebhookSecretInput {
  @Field(() => ID)
  @IsObjectId()
  id!: string;

  @Field(() => Int, {
    nullable: true,
    description: `How long deliveries are also signed with the old secret, 0 to ${MAX_GRACE_SECONDS} seconds (default ${DEFAULT_GRACE_SECONDS}, a day).`,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_SECONDS)
  gracePeriodSeconds?: number;
}
