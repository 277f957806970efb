import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';
import { PageArgs } from '../../common/pagination/page.args';
import { IsObjectId } from '../../common/validation/is-object-id';

@ArgsType()
export class DatabasesArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;
}

@ArgsType()
export class DatabaseIdArgs {
  @Field(() => ID)
  @IsObjectId()
  id!: string;
}

@ArgsType()
export class DatabaseTablesArgs {
  @Field(() => ID)
  @IsObjectId()
  databaseId!: string;
}

@ArgsType()
export class DatabaseTableArgs extends DatabaseTablesArgs {
  @Field({ description: 'The name as databaseTables lists it.' })
  @IsString()
  @MaxLength(500)
  name!: string;
}
