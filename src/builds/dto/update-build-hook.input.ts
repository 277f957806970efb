import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { IsBoolean, IsEnum, IsInt, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { BuildHookPhase } from '../build-hook.schema';

/** Omitted fields stay as they are. */
const unlessOmitted = ValidateIf((_input: object, value: unknown) => value !== undefined);

@InputType()
export class UpdateBuildHookInput {
  @Field(() => ID)
  @IsObjectId()
  hookId!: string;

  @Field(() => BuildHookPhase, { nullable: true })
  @unlessOmitted
  @IsEnum(BuildHookPhase)
  phase?: BuildHookPhase;

  @Field({ nullable: true })
  @unlessOmitted
  @IsString()
  @MaxLength(4096)
  @Matches(/\S/, { message: 'command must not be blank' })
  command?: string;

  @Field(() => Int, { nullable: true })
  @unlessOmitted
  @IsInt()
  @Min(0)
  @Max(1000)
  order?: number;

  @Field(() => Boolean, { nullable: true })
  @unlessOmitted
  @IsBoolean()
  continueOnError?: boolean;
}
