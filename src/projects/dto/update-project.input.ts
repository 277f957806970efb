import { Field, ID, InputType } from '@nestjs/graphql';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { SLUG_PATTERN } from '../slug';

@InputType()
export class UpdateProjectInput {
  @Field(() => ID)
  @IsObjectId()
  id!: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @Field({ nullable: true })
  @IsOptional()
  @Matches(SLUG_PATTERN, { message: 'slug must be 1-48 lower-case letters, digits or inner dashes' })
  slug?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;
}
