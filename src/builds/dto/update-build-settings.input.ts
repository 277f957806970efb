import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { ArrayMaxSize, IsBoolean, IsInt, IsString, Matches, MaxLength, Min, ValidateIf } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

/** Omitted leaves a field as it is; null clears the fields that may be empty (then detected). */
const unlessOmitted = ValidateIf((_input: object, value: unknown) => value !== undefined && value !== null);
/** A path inside the repository: relative, no `..` part, no leading `-`. */
const RELATIVE_PATH = /^(?!-)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._@+\-/]*$/;

@InputType()
export class UpdateBuildSettingsInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'https://…, ssh://…, user@host:path, or a local path when the operator allows it.',
  })
  @unlessOmitted
  @IsString()
  @MaxLength(2048)
  repositoryUrl?: string | null;

  @Field({ nullable: true })
  @ValidateIf((_input: object, value: unknown) => value !== undefined)
  @IsString()
  @MaxLength(255)
  @Matches(RELATIVE_PATH, { message: 'rootDirectory must be a relative path inside the repository' })
  rootDirectory?: string;

  @Field(() => String, { nullable: true })
  @unlessOmitted
  @IsString()
  @MaxLength(4096)
  installCommand?: string | null;

  @Field(() => String, { nullable: true })
  @unlessOmitted
  @IsString()
  @MaxLength(4096)
  buildCommand?: string | null;

  @Field(() => String, { nullable: true })
  @unlessOmitted
  @IsString()
  @MaxLength(255)
  @Matches(RELATIVE_PATH, { message: 'outputDirectory must be a relative path inside the repository' })
  outputDirectory?: string | null;

  @Field(() => [String], {
    nullable: true,
    description:
      "Directories, relative to the root directory, kept between builds besides the package manager's (node_modules, ~/.npm, ...).",
  })
  @ValidateIf((_input: object, value: unknown) => value !== undefined)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(255, { each: true })
  @Matches(RELATIVE_PATH, { each: true, message: 'cacheDirectories must be relative paths inside the repository' })
  cacheDirectories?: string[];

  @Field(() => Int, {
    nullable: true,
    description: "At least 10, at most the project's maxBuildTimeoutSeconds (projectSettings.limits).",
  })
  @ValidateIf((_input: object, value: unknown) => value !== undefined)
  @IsInt()
  @Min(10)
  timeoutSeconds?: number;

  @Field(() => Boolean, { nullable: true })
  @ValidateIf((_input: object, value: unknown) => value !== undefined)
  @IsBoolean()
  spaFallback?: boolean;
}
