import { Field, ID, InputType } from '@nestjs/graphql';
import { IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { NOT_BLANK, SLUG_PATTERN } from '../slug';

/**
 * Omitted means "leave as is". Unlike `@IsOptional()`, this lets an explicit `null` through to the
 * validators after it, which refuse it: none of these fields can be unset.
 */
const unlessOmitted = ValidateIf((_input: object, value: unknown) => value !== undefined);

@InputType()
export class UpdateProjectInput {
  @Field(() => ID)
  @IsObjectId()
  id!: string;

  @Field({ nullable: true })
  @unlessOmitted
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name?: string;

  @Field({ nullable: true })
  @unlessOmitted
  @IsString()
  @Matches(SLUG_PATTERN, { message: 'slug must be 1-48 lower-case letters, digits or inner dashes' })
  slug?: string;

  @Field({ nullable: true })
  @unlessOmitted
  @IsString()
  @MaxLength(1000)
  description?: string;
}
