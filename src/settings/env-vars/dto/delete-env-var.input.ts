import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsObjectId } from '../../../common/validation/is-object-id';
import { EnvTarget } from '../env-var.schema';

@InputType()
export class DeleteEnvVarInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field()
  @IsString()
  @MaxLength(256)
  key!: string;

  @Field(() => [EnvTarget], { defaultValue: [], description: 'All three when empty.' })
  @ArrayMaxSize(3)
  @IsEnum(EnvTarget, { each: true })
  targets: EnvTarget[] = [];

  @Field(() => String, { nullable: true, description: "The branch's own value; the environment-wide one when null." })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  branch?: string | null;
}
