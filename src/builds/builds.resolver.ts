import { Args, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { RequirePermission } from '../access/access.decorators';
import { ProjectScopeArgs } from '../access/dto/project-scope.args';
import { LiveStreamsService } from '../access/live-streams.service';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { ConnectionType } from '../common/pagination/connection';
import { BuildLogsService } from './build-logs.service';
import { BuildSettingsService } from './build-settings.service';
import { BuildsService } from './builds.service';
import { BuildIdArgs } from './dto/build-id.args';
import { ProjectRefInput } from './dto/project-ref.input';
import { BuildRefInput } from './dto/build-ref.input';
import { BuildLogsArgs } from './dto/build-logs.args';
import { BuildLogStreamArgs } from './dto/build-log-stream.args';
import type { BuildLogBatchMessage } from './build-log-stream';
import { BuildLogBatch } from './models/build-log-batch.model';
import { BuildsArgs } from './dto/builds.args';
import { CreateBuildInput } from './dto/create-build.input';
import { UpdateBuildSettingsInput } from './dto/update-build-settings.input';
import { BuildLogLine } from './models/build-log-line.model';
import { BuildSettings } from './models/build-settings.model';
import { Build } from './models/build.model';
import { BuildDay, BuildStats } from './models/build-stats.model';
import { BuildAnalyticsArgs, BuildStatsArgs } from './dto/build-stats.args';
import { BuildCacheService } from './cache/build-cache.service';
import { BuildCacheStats, ClearedBuildCache } from './models/build-cache.model';

const BuildConnection = ConnectionType(Build);
const BY_INPUT_PROJECT = { projectIdArg: 'input.projectId' } as const;

@Resolver(() => Build)
export class BuildsResolver {
  constructor(
    private readonly service: BuildsService,
    private readonly settings: BuildSettingsService,
    private readonly logs: BuildLogsService,
    private readonly streams: LiveStreamsService,
    private readonly cache: BuildCacheService,
  ) {}

  @Query(() => BuildSettings)
  @RequirePermission('build:read')
  buildSettings(@Args() args: ProjectScopeArgs): Promise<BuildSettings> {
    return this.settings.get(args.projectId);
  }

  @Mutation(() => BuildSettings)
  @RequirePermission('build:update', BY_INPUT_PROJECT)
  updateBuildSettings(@Args('input') input: UpdateBuildSettingsInput): Promise<BuildSettings> {
    return this.settings.update(input);
  }

  @Mutation(() => String, {
    description:
      "Makes a new key for the project's git push webhooks (POST /hooks/git/<projectId>), returned only now; the old one stops working.",
  })
  @RequirePermission('build:update', BY_INPUT_PROJECT)
  rotateGitWebhookSecret(@Args('input') input: ProjectRefInput): Promise<string> {
    return this.settings.rotateGitWebhookSecret(input.projectId);
  }

  @Mutation(() => Build, {
    description: 'Queues a build of a branch (the production branch when omitted) and, optionally, a commit of it.',
  })
  @RequirePermission('build:create', BY_INPUT_PROJECT)
  createBuild(@Ctx() ctx: RequestContext, @Args('input') input: CreateBuildInput): Promise<Build> {
    return this.service.create(ctx, input);
  }

  @Mutation(() => Build, {
    description: 'Stops a build: a queued one at once, a running one within two seconds (its whole process tree).',
  })
  @RequirePermission('build:cancel', { entity: 'build', idArg: 'input.buildId' })
  cancelBuild(@Ctx() ctx: RequestContext, @Args('input') input: BuildRefInput): Promise<Build> {
    return this.service.cancel(ctx, input.buildId);
  }

  @Mutation(() => Build, { description: 'Queues a new attempt of a finished build, at the commit it checked out.' })
  @RequirePermission('build:retry', { entity: 'build', idArg: 'input.buildId' })
  retryBuild(@Ctx() ctx: RequestContext, @Args('input') input: BuildRefInput): Promise<Build> {
    return this.service.retry(ctx, input.buildId);
  }

  @Query(() => BuildConnection, { description: "A project's builds, newest first." })
  @RequirePermission('build:read')
  builds(@Args() args: BuildsArgs) {
    return this.service.list(args);
  }

  @Query(() => BuildStats, { description: "Figures over a project's builds queued in [from, to)." })
  @RequirePermission('build:read')
  buildStats(@Args() args: BuildStatsArgs): Promise<BuildStats> {
    return this.service.stats(args.projectId, args.from, args.to);
  }

  @Query(() => BuildCacheStats, {
    description: "A project's build cache: entries, size, and its builds' hits and misses over the last 30 days.",
  })
  @RequirePermission('build:read')
  async buildCacheStats(@Args() args: ProjectScopeArgs): Promise<BuildCacheStats> {
    return BuildCacheStats.from(await this.cache.stats(args.projectId));
  }

  @Mutation(() => ClearedBuildCache, {
    description: "Removes a project's build cache; its next build installs from scratch.",
  })
  @RequirePermission('build:update', BY_INPUT_PROJECT)
  async clearBuildCache(@Args('input') input: ProjectRefInput): Promise<ClearedBuildCache> {
    return Object.assign(new ClearedBuildCache(), await this.cache.clear(input.projectId));
  }

  @Query(() => [BuildDay], { description: 'The same figures for each of the last `days` days (UTC), today last.' })
  @RequirePermission('build:read')
  buildAnalytics(@Args() args: BuildAnalyticsArgs): Promise<BuildDay[]> {
    return this.service.analytics(args.projectId, args.days);
  }

  @Query(() => Build)
  @RequirePermission('build:read', { entity: 'build', idArg: 'id' })
  build(@Args() args: BuildIdArgs): Promise<Build> {
    return this.service.get(args.id);
  }

  @Query(() => [BuildLogLine], { description: "A build's log lines after `afterSeq`, in order." })
  @RequirePermission('build:read', { entity: 'build', idArg: 'buildId' })
  buildLogs(@Args() args: BuildLogsArgs): Promise<BuildLogLine[]> {
    return this.logs.list(args.buildId, args.afterSeq, args.first);
  }

  @Subscription(() => BuildLogBatch, {
    name: 'buildLogs',
    description:
      "A build's log: the stored lines after `afterSeq`, then new lines as they are written, in order, none lost or repeated; completes after the build's last line. Works on every API process, whichever worker runs the build.",
    // The stream hands over lines whose times are dates already (see BuildLogStream), shared by
    // every subscriber of the process: nothing to copy per subscriber.
    resolve: (message: BuildLogBatchMessage) => message,
  })
  @RequirePermission('build:read', { entity: 'build', idArg: 'buildId' })
  async buildLogStream(@Ctx() ctx: RequestContext, @Args() args: BuildLogStreamArgs) {
    const projectId = (await this.service.projectOf(args.buildId))!;
    return this.streams.open<BuildLogBatchMessage>(ctx, {
      projectId,
      permission: 'build:read',
      operation: 'subscription.buildLogs',
      source: this.logs.stream(args.buildId, projectId, args.afterSeq),
    });
  }
}
