import { Field, ID, InputType } from '@nestjs/graphql';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsObjectId } from '../../../common/validation/is-object-id';

@InputType()
export class RestoreBackupInput {
  @Field(() => ID)
  @IsObjectId()
  backupId!: string;

  @Field(() => ID, {
    nullable: true,
    description: "Another AVAILABLE database of the project, of the backup's engine; the backup's own by default.",
  })
  @IsOptional()
  @IsObjectId()
  targetDatabaseId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Restores into a new database of this name, made for it (needs database:create as well).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  newDatabaseName?: string | null;
}
