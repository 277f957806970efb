import { Field, InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDate, IsOptional, IsString, Matches } from 'class-validator';

const WORD = /^[a-z][a-z0-9_]{0,39}$/;
const ACTOR = /^(token:)?[0-9a-f]{24}$/;

@InputType({ description: 'Narrows the activity feed; every field given must match.' })
export class ActivityFilterInput {
  @Field(() => [String], { nullable: true, description: 'Object types (event families): `member`, `build`, …' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Matches(WORD, { each: true, message: 'each of $property must be an object type such as build or member' })
  types?: string[];

  @Field(() => [String], { nullable: true, description: 'Verbs: `created`, `removed`, `role_changed`, …' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Matches(WORD, { each: true, message: 'each of $property must be a verb such as created or removed' })
  verbs?: string[];

  @Field(() => String, { nullable: true, description: 'A user id, or `token:<id>` for an API token.' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsString()
  @Matches(ACTOR, { message: '$property must be a user id or token:<id>' })
  actorId?: string;

  @Field(() => Date, { nullable: true, description: 'Entries that happened at or after this time.' })
  @IsOptional()
  @IsDate()
  from?: Date;

  @Field(() => Date, { nullable: true, description: 'Entries that happened before this time.' })
  @IsOptional()
  @IsDate()
  to?: Date;
}
