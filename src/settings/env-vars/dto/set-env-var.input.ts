import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsObjectId } from '../../../common/validation/is-object-id';
import { EnvTarget, EnvVarType } from '../env-var.schema';

@InputType()
export class SetEnvVarInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field({ description: 'A POSIX name: letters, digits and _, not starting with a digit; at most 256 characters.' })
  @IsString()
  @MaxLength(256)
  key!: string;

  @Field({ description: 'At most 64 KiB. A SECRET value is never returned again.' })
  @IsString()
  @MaxLength(64 * 1024)
  value!: string;

  @Field(() => EnvVarType, { defaultValue: EnvVarType.PLAIN })
  @IsEnum(EnvVarType)
  type: EnvVarType = EnvVarType.PLAIN;

  @Field(() => [EnvTarget], { defaultValue: [], description: 'The environments that get it; all three when empty.' })
  @ArrayMaxSize(3)
  @IsEnum(EnvTarget, { each: true })
  targets: EnvTarget[] = [];

  @Field(() => String, { nullable: true, description: 'A branch the value is for, over the environment-wide one.' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  branch?: string | null;
}
