import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsArray, IsBoolean, IsString, MaxLength, ValidateIf } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

/** Omitted leaves a field as it is; an explicit null is refused by the validators after it. */
const unlessOmitted = ValidateIf((_input: object, value: unknown) => value !== undefined);

@InputType()
export class UpdateDeploymentPreferencesInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field({ nullable: true })
  @unlessOmitted
  @IsString()
  @MaxLength(255)
  productionBranch?: string;

  @Field(() => [String], {
    nullable: true,
    description: 'Branch patterns (feature/*, release-*); replaces the list. At most 50.',
  })
  @unlessOmitted
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(255, { each: true })
  autoDeployBranches?: string[];

  @Field(() => Boolean, { nullable: true })
  @unlessOmitted
  @IsBoolean()
  previewDeployments?: boolean;
}
