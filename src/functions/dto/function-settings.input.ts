import { Field, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { FunctionNetwork, HttpTriggerAuth } from '../function.schema';
import { FunctionEnvInput } from './function-env.input';
import { FunctionScheduleInput } from './function-schedule.input';

/** The settings createFunction and updateFunction share; each is optional. */
@InputType({ isAbstract: true })
export class FunctionSettingsInput {
  @Field(() => Int, {
    nullable: true,
    description: "Seconds an invocation may run; the project's default when omitted.",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  timeoutSeconds?: number;

  @Field(() => Int, { nullable: true, description: "Memory the function's process may use, in MB." })
  @IsOptional()
  @IsInt()
  @Min(64)
  @Max(1_048_576)
  memoryMb?: number;

  @Field(() => FunctionNetwork, { nullable: true })
  @IsOptional()
  @IsEnum(FunctionNetwork)
  network?: FunctionNetwork;

  @Field(() => [FunctionEnvInput], {
    nullable: true,
    description: "The function's own variables (all of them: what is left out goes), on top of the project's.",
  })
  @IsOptional()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => FunctionEnvInput)
  env?: FunctionEnvInput[];

  @Field(() => Boolean, { nullable: true, description: 'Whether /fn/<project>/<name> invokes it.' })
  @IsOptional()
  @IsBoolean()
  httpEnabled?: boolean;

  @Field(() => HttpTriggerAuth, { nullable: true })
  @IsOptional()
  @IsEnum(HttpTriggerAuth)
  httpAuth?: HttpTriggerAuth;

  @Field(() => [FunctionScheduleInput], { nullable: true, description: 'Cron schedules that invoke it (all of them).' })
  @IsOptional()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => FunctionScheduleInput)
  schedules?: FunctionScheduleInput[];

  @Field(() => [String], {
    nullable: true,
    description: 'Platform events that invoke it, by name (build.succeeded) or family (deployment.*); all of them.',
  })
  @IsOptional()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  eventTriggers?: string[];

  @Field(() => Int, { nullable: true, description: "Instances kept warm; the project's auto-scaling when omitted." })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  minWarmInstances?: number;

  @Field(() => Int, { nullable: true, description: 'Instances at once per API or worker process.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000)
  maxConcurrency?: number;
}
