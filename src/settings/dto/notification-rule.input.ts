import { Field, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEnum,
  IsString,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { NotificationChannel } from '../project-settings.schema';
import { NotificationRecipientsInput } from './notification-recipients.input';

@InputType()
export class NotificationRuleInput {
  @Field({ description: 'An event (build.failed), every event of a family (build.*), or every event (*).' })
  @IsString()
  @MaxLength(100)
  event!: string;

  @Field(() => [NotificationChannel])
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @IsEnum(NotificationChannel, { each: true })
  channels!: NotificationChannel[];

  @Field(() => NotificationRecipientsInput, { nullable: true, description: 'Who gets the email; none if omitted.' })
  @ValidateIf((_input: object, value: unknown) => value !== undefined)
  @ValidateNested()
  @Type(() => NotificationRecipientsInput)
  recipients?: NotificationRecipientsInput;
}
