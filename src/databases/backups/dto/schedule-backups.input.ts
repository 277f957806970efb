import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { IsBoolean, IsInt, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsObjectId } from '../../../common/validation/is-object-id';

@InputType()
export class ScheduleBackupsInput {
  @Field(() => ID)
  @IsObjectId()
  databaseId!: string;

  @Field(() => String, { description: 'Five cron fields, or six with seconds first (INVALID_SCHEDULE otherwise).' })
  @IsString()
  @MaxLength(200)
  cron!: string;

  @Field(() => String, { defaultValue: 'UTC', description: 'The IANA time zone the cron is read in.' })
  @IsString()
  @MaxLength(100)
  timezone = 'UTC';

  @Field(() => Int, { nullable: true, description: 'Successful backups kept, newest first: 1 to 1000.' })
  @IsOptional()
  @IsInt()
  keepLast?: number | null;

  @Field(() => Int, { nullable: true, description: 'Days a successful backup is kept: 1 to 3650.' })
  @IsOptional()
  @IsInt()
  keepDays?: number | null;

  @Field(() => Boolean, {
    defaultValue: true,
    description: 'false stops the scheduled backups; retention still applies.',
  })
  @IsBoolean()
  enabled = true;
}
