import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { IsDate, IsEnum, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PageArgs } from '../../common/pagination/page.args';
import { IsObjectId } from '../../common/validation/is-object-id';
import { InvocationStatus, InvocationTrigger } from '../function-invocation.schema';

@ArgsType()
export class FunctionsArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;
}

@ArgsType()
export class FunctionIdArgs {
  @Field(() => ID)
  @IsObjectId()
  id!: string;
}

@ArgsType()
export class FunctionScopeArgs {
  @Field(() => ID)
  @IsObjectId()
  functionId!: string;
}

@ArgsType()
export class FunctionVersionsArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  functionId!: string;
}

@ArgsType()
export class ExecutionLogsArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  functionId!: string;

  @Field(() => InvocationStatus, { nullable: true })
  @IsOptional()
  @IsEnum(InvocationStatus)
  status?: InvocationStatus;

  @Field(() => InvocationTrigger, { nullable: true })
  @IsOptional()
  @IsEnum(InvocationTrigger)
  trigger?: InvocationTrigger;

  @Field({ nullable: true, description: 'Invocations made at or after this time.' })
  @IsOptional()
  @IsDate()
  from?: Date;

  @Field({ nullable: true, description: 'Invocations made before this time.' })
  @IsOptional()
  @IsDate()
  to?: Date;

  @Field({ nullable: true, description: 'Only invocations with a log line containing this text.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;
}

@ArgsType()
export class FunctionMetricsArgs {
  @Field(() => ID)
  @IsObjectId()
  functionId!: string;

  @Field()
  @IsDate()
  from!: Date;

  @Field()
  @IsDate()
  to!: Date;
}

@ArgsType()
export class FunctionAnalyticsArgs {
  @Field(() => ID)
  @IsObjectId()
  functionId!: string;

  @Field(() => Int, { defaultValue: 7 })
  @IsInt()
  @Min(1)
  @Max(90)
  days = 7;
}
