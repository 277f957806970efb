import { Field, ID, InputType } from '@nestjs/graphql';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { DATABASE_ENGINES, type DatabaseEngineName } from '../../config/database-hosts';
import { IsObjectId } from '../../common/validation/is-object-id';
import { DatabaseEngine } from '../models/database.model';

@InputType()
export class CreateDatabaseInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => DatabaseEngine)
  @IsIn(DATABASE_ENGINES)
  engine!: DatabaseEngineName;

  @Field({
    description:
      'Unique in the project: 1 to 63 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen.',
  })
  @IsString()
  // Generous, so that a name a little too long gets INVALID_DATABASE_NAME rather than a generic refusal.
  @MaxLength(1000)
  name!: string;
}
