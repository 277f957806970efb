import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, IsString } from 'class-validator';
import { GraphQLJSON } from '../../common/graphql/json.scalar';
import { IsObjectId } from '../../common/validation/is-object-id';

/** The most values one statement takes for its placeholders. */
export const MAX_QUERY_PARAMS = 100;

@InputType()
export class ExecuteQueryInput {
  @Field(() => ID)
  @IsObjectId()
  databaseId!: string;

  @Field({
    description:
      'One statement: SQL for POSTGRESQL and MYSQL, a command line for REDIS, a command document (JSON) for MONGODB. At most DATABASE_QUERY_MAX_LENGTH characters.',
  })
  // Its length is checked by the service, against DATABASE_QUERY_MAX_LENGTH (QUERY_TOO_LONG).
  @IsString()
  query!: string;

  @Field({
    defaultValue: true,
    description: 'Whether the server must refuse any write (a read-only transaction; read commands only).',
  })
  @IsBoolean()
  readOnly: boolean = true;

  @Field(() => [GraphQLJSON], {
    nullable: true,
    description: `Values for the placeholders ($1… for POSTGRESQL, ? for MYSQL; REDIS appends them as arguments): strings, numbers or booleans (write NULL in the statement itself), at most ${MAX_QUERY_PARAMS}. Never recorded in the audit log.`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_QUERY_PARAMS)
  params?: unknown[] | null;
}
