import { Transform } from 'class-transformer';
import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsDate, IsEnum, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageArgs } from '../../common/pagination/page.args';
import { OBJECT_ID_DIGITS } from '../../common/mongo/object-id';
import { IsObjectId } from '../../common/validation/is-object-id';
import { AuditOutcome } from '../audit-log.schema';

/** A user id or `token:<id>`. */
const ACTOR_ID = new RegExp(`^(token:)?${OBJECT_ID_DIGITS}$`);

@ArgsType()
export class AuditLogsArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => ID, { nullable: true, description: 'A user id or `token:<id>`.' })
  @IsOptional()
  // Actor ids are stored in their canonical lower-case spelling.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && ACTOR_ID.test(value) ? value.toLowerCase() : value,
  )
  @Matches(ACTOR_ID, { message: 'actorId must be a user id or token:<id>' })
  actorId?: string;

  @Field({ nullable: true, description: 'For example `mutation.assignRole`.' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  operation?: string;

  @Field(() => AuditOutcome, { nullable: true })
  @IsOptional()
  @IsEnum(AuditOutcome)
  outcome?: AuditOutcome;

  @Field(() => Date, { nullable: true, description: 'Entries at or after this time.' })
  @IsOptional()
  @IsDate()
  since?: Date;

  @Field(() => Date, { nullable: true, description: 'Entries before this time.' })
  @IsOptional()
  @IsDate()
  until?: Date;
}
