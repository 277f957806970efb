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
export class ListTablesArgs {
  @Field(() => ID)
  @IsObjectId()
  databaseId!: string;
}

@ArgsType()
export class TableInfoArgs extends ListTablesArgs {
  @Field({ description: 'The name as listTables lists it.' })
  @IsString()
  @MaxLength(500)
  table!: string;
}
