import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsObjectId } from '../../../common/validation/is-object-id';
import { EnvTarget } from '../env-var.schema';

@ArgsType()
export class EnvVarsArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => EnvTarget, { nullable: true })
  @IsOptional()
  @IsEnum(EnvTarget)
  target?: EnvTarget;
}

@ArgsType()
export class ExportEnvVarsArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => EnvTarget)
  @IsEnum(EnvTarget)
  target!: EnvTarget;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  branch?: string | null;
}
