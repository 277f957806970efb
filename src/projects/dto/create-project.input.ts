import { Field, InputType } from '@nestjs/graphql';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { NOT_BLANK, SLUG_PATTERN } from '../slug';

@InputType()
export class CreateProjectInput {
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name!: string;

  @Field({ nullable: true, description: 'Lower-case letters, digits and dashes; derived from the name when omitted.' })
  @IsOptional()
  @Matches(SLUG_PATTERN, { message: 'slug must be 1-48 lower-case letters, digits or inner dashes' })
  slug?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;
}
