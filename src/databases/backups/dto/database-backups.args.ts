import { ArgsType, Field, ID } from '@nestjs/graphql';
import { PageArgs } from '../../../common/pagination/page.args';
import { IsObjectId } from '../../../common/validation/is-object-id';

@ArgsType()
export class DatabaseBackupsArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  databaseId!: string;
}

@ArgsType()
export class DatabaseIdArgs {
  @Field(() => ID)
  @IsObjectId()
  databaseId!: string;
}

@ArgsType()
export class BackupIdArgs {
  @Field(() => ID)
  @IsObjectId()
  id!: string;
}
