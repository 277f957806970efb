import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsObjectId } from '../../../common/validation/is-object-id';
import { EnvTarget, EnvVarType } from '../env-var.schema';

@InputType()
export class ImportEnvVarsInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field({ description: 'Dotenv text, at most 1 MiB.' })
  @IsString()
  @MaxLength(1024 * 1024)
  content!: string;

  @Field(() => EnvVarType, { defaultValue: EnvVarType.PLAIN, description: 'The type of every variable imported.' })
  @IsEnum(EnvVarType)
  type: EnvVarType = EnvVarType.PLAIN;

  @Field(() => [EnvTarget], { defaultValue: [] })
  @ArrayMaxSize(3)
  @IsEnum(EnvTarget, { each: true })
  targets: EnvTarget[] = [];

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  branch?: string | null;
}
