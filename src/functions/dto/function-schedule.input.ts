import { Field, InputType } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';

@InputType()
export class FunctionScheduleInput {
  @Field({ description: 'A cron expression: five fields, or six with seconds first.' })
  @IsString()
  @MaxLength(200)
  cron!: string;

  @Field(() => String, { defaultValue: 'UTC', description: 'An IANA time zone such as Europe/Paris.' })
  @IsString()
  @MaxLength(64)
  timezone = 'UTC';
}
