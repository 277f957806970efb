import { Field, ID, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, ValidateIf, ValidateNested } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { NotificationRuleInput } from './notification-rule.input';

@InputType()
export class UpdateNotificationPreferencesInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => [NotificationRuleInput], { nullable: true, description: 'Replaces the rules; at most 50.' })
  @ValidateIf((_input: object, value: unknown) => value !== undefined)
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => NotificationRuleInput)
  rules?: NotificationRuleInput[];
}
