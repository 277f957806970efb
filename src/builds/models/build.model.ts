import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { BuildStatus, StepStatus, type BuildRecord } from '../build.schema';
import { BuildCacheUse } from './build-cache.model';

registerEnumType(BuildStatus, { name: 'BuildStatus' });
registerEnumType(StepStatus, { name: 'BuildStepStatus' });

@ObjectType()
export class BuildStep {
  @Field()
  name!: string;

  @Field(() => StepStatus)
  status!: StepStatus;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => Int, { nullable: true })
  durationMs!: number | null;

  @Field(() => Int, { nullable: true })
  exitCode!: number | null;
}

@ObjectType({ description: 'How the build was run when its settings left commands or the output directory empty.' })
export class DetectedConfiguration {
  @Field()
  framework!: string;

  @Field(() => String, { nullable: true })
  packageManager!: string | null;

  @Field(() => String, { nullable: true })
  installCommand!: string | null;

  @Field(() => String, { nullable: true })
  buildCommand!: string | null;

  @Field()
  outputDirectory!: string;
}

@ObjectType()
export class Build {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field()
  branch!: string;

  @Field(() => String, { nullable: true })
  commitSha!: string | null;

  @Field(() => String, { nullable: true })
  commitMessage!: string | null;

  @Field(() => BuildStatus)
  status!: BuildStatus;

  @Field(() => [BuildStep])
  steps!: BuildStep[];

  @Field(() => DetectedConfiguration, { nullable: true })
  detected!: DetectedConfiguration | null;

  @Field(() => BuildCacheUse, { nullable: true, description: 'How the build used the cache; null before checkout.' })
  cache!: BuildCacheUse | null;

  @Field(() => Int, {
    nullable: true,
    description: "The version of the project's environment variables the build was given.",
  })
  envVersion!: number | null;

  @Field(() => [String], { description: 'The names of the environment variables the build was given.' })
  envKeys!: string[];

  @Field(() => String, { nullable: true, description: 'Why the build did not succeed.' })
  error!: string | null;

  @Field()
  queuedAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => Int)
  logLines!: number;

  @Field(() => ID, { nullable: true, description: 'The deployment the build produced, when it succeeded.' })
  deploymentId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The build this one retries.' })
  retryOf!: string | null;

  @Field(() => Int, { description: '1 for a build, one more for each retry of it.' })
  attempt!: number;

  static from(record: BuildRecord): Build {
    return Object.assign(new Build(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      branch: record.branch,
      commitSha: record.commitSha,
      commitMessage: record.commitMessage,
      status: record.status,
      steps: record.steps.map((step) => Object.assign(new BuildStep(), step)),
      detected: record.detected ? Object.assign(new DetectedConfiguration(), record.detected) : null,
      cache: record.cache ? BuildCacheUse.from(record.cache) : null,
      envVersion: record.envVersion ?? null,
      envKeys: record.envKeys ?? [],
      error: record.error,
      queuedAt: record.queuedAt,
      startedAt: record.startedAt,
      finishedAt: record.finishedAt,
      logLines: record.logLines,
      retryOf: record.retryOf?.toHexString() ?? null,
      deploymentId: record.deploymentId?.toHexString() ?? null,
      attempt: record.attempt ?? 1,
    });
  }
}
