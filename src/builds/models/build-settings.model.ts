import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { BuildSettingsRecord } from '../build-settings.schema';

@ObjectType({
  description:
    "How a project builds. Empty commands and output directory are detected from the repository. Which branches deploy is in projectSettings' deployment preferences.",
})
export class BuildSettings {
  @Field(() => ID)
  projectId!: string;

  @Field(() => String, { nullable: true })
  repositoryUrl!: string | null;

  @Field()
  rootDirectory!: string;

  @Field(() => String, { nullable: true })
  installCommand!: string | null;

  @Field(() => String, { nullable: true })
  buildCommand!: string | null;

  @Field(() => String, { nullable: true })
  outputDirectory!: string | null;

  @Field(() => [String], {
    description: "Directories, relative to the root directory, kept between builds besides the package manager's.",
  })
  cacheDirectories!: string[];

  @Field(() => Int, {
    description: "The whole build's, checkout included; held to the project's maxBuildTimeoutSeconds.",
  })
  timeoutSeconds!: number;

  @Field({
    description:
      'Whether deployments answer a missing page (no file extension) with their index.html, as single-page apps need.',
  })
  spaFallback!: boolean;

  @Field({ description: 'Whether git push webhooks have a key (rotateGitWebhookSecret makes one).' })
  hasGitWebhookSecret!: boolean;

  static from(
    record: Pick<BuildSettingsRecord, Exclude<keyof BuildSettingsRecord, 'createdAt' | 'updatedAt'>>,
  ): BuildSettings {
    return Object.assign(new BuildSettings(), {
      projectId: record._id.toHexString(),
      repositoryUrl: record.repositoryUrl,
      rootDirectory: record.rootDirectory,
      installCommand: record.installCommand,
      buildCommand: record.buildCommand,
      outputDirectory: record.outputDirectory,
      cacheDirectories: record.cacheDirectories ?? [],
      timeoutSeconds: record.timeoutSeconds,
      spaFallback: record.spaFallback,
      hasGitWebhookSecret: Boolean(record.gitWebhookSecret),
    });
  }
}
