import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { IsBoolean, IsEnum, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { BuildHookPhase } from '../build-hook.schema';

@InputType()
export class CreateBuildHookInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => BuildHookPhase)
  @IsEnum(BuildHookPhase)
  phase!: BuildHookPhase;

  @Field()
  @IsString()
  @MaxLength(4096)
  @Matches(/\S/, { message: 'command must not be blank' })
  command!: string;

  @Field(() => Int, { defaultValue: 0 })
  @IsInt()
  @Min(0)
  @Max(1000)
  order = 0;

  @Field(() => Boolean, { defaultValue: false })
  @IsBoolean()
  continueOnError = false;
}
