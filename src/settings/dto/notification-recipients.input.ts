import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsArray, IsEmail, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { BuiltInRole } from '../../access/permissions';
import { OBJECT_ID_DIGITS, OBJECT_ID_PATTERN } from '../../common/mongo/object-id';

const unlessOmitted = ValidateIf((_input: object, value: unknown) => value !== undefined);
const ROLE = new RegExp(`^(${OBJECT_ID_DIGITS}|${Object.values(BuiltInRole).join('|')})$`);

/** Omitted lists are empty. Ids are checked against the project's roles and members when stored. */
@InputType()
export class NotificationRecipientsInput {
  @Field(() => [String], { nullable: true, description: 'Built-in role keys or custom role ids; at most 10.' })
  @unlessOmitted
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @Matches(ROLE, {
    each: true,
    message: `roles must be role ids or any of ${Object.values(BuiltInRole).join(', ')}`,
  })
  roles?: string[];

  @Field(() => [ID], { nullable: true, description: 'Members of the project; at most 50.' })
  @unlessOmitted
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(OBJECT_ID_PATTERN, { each: true, message: 'userIds must be valid ids' })
  userIds?: string[];

  @Field(() => [String], { nullable: true, description: 'Addresses; at most 50.' })
  @unlessOmitted
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(254, { each: true })
  @IsEmail({}, { each: true, message: 'emails must be email addresses' })
  emails?: string[];
}
