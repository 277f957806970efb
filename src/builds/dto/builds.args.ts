import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageArgs } from '../../common/pagination/page.args';
import { IsObjectId } from '../../common/validation/is-object-id';
import { BuildStatus } from '../build.schema';

@ArgsType()
export class BuildsArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => BuildStatus, { nullable: true })
  @IsOptional()
  @IsEnum(BuildStatus)
  status?: BuildStatus;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  branch?: string;
}
