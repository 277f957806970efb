import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable } from '@nestjs/common';
import type { PubSubEngine } from 'graphql-subscriptions';
import { PUB_SUB } from '../common/pubsub/pubsub.token';
import { InjectModel } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import type { Model } from 'mongoose';
import type { RequestContext } from '../common/context/request-context';
import { EventBus } from '../common/events/event-bus';
import { isObjectId, toObjectId } from '../common/mongo/object-id';
import type { Connection } from '../common/pagination/connection';
import { paginate } from '../common/pagination/paginate';
import { BuildException, BuildExceptionReason } from './build.exception';
import { BuildRecord, BuildStatus, FINISHED_STATUSES } from './build.schema';
import { BuildSettingsService } from './build-settings.service';
import { ProjectSettingsService } from '../settings/project-settings.service';
import type { BuildsArgs } from './dto/builds.args';
import type { CreateBuildInput } from './dto/create-build.input';
import { BuildCanceledEvent, BuildQueuedEvent, buildTiming } from './events/build-lifecycle.event';
import { buildCancelTrigger } from './build-log-stream';
import { BuildLogsService } from './build-logs.service';
import { BuildDispatcherService } from './build-dispatcher.service';
import { checkBranch, checkCommitSha } from './git/git-ref';
import { BUILDS_QUEUE, BuildJob, type BuildJobPayloads } from './jobs/build-jobs';
import { Build } from './models/build.model';
import { BuildDay, BuildStats } from './models/build-stats.model';
import { buildStats, dailyBuckets, type BuildTimes } from './build-stats';

const MAX_STATS_RANGE_MS = 366 * 86_400_000;
/** Builds one figure looks at, at most. */
const MAX_STATS_BUILDS = 100_000;

/** Queues builds and answers questions about them; workers run them (`jobs/build-runner.service.ts`). */
@Injectable()
export class BuildsService {
  constructor(
    @InjectModel(BuildRecord.name) private readonly builds: Model<BuildRecord>,
    @InjectQueue(BUILDS_QUEUE) private readonly queue: Queue<BuildJobPayloads[BuildJob.RUN]>,
    private readonly settings: BuildSettingsService,
    private readonly projectSettings: ProjectSettingsService,
    private readonly logs: BuildLogsService,
    private readonly dispatcher: BuildDispatcherService,
    private readonly events: EventBus,
    @Inject(PUB_SUB) private readonly pubSub: PubSubEngine,
  ) {}

  /** Queues a build; `createdBy` names what asked for it when no user did (a deploy hook). */
  async create(
    ctx: RequestContext,
    input: Pick<CreateBuildInput, 'projectId' | 'branch' | 'commitSha' | 'supersedeQueued'>,
    createdBy?: string,
  ): Promise<Build> {
    const settings = await this.settings.record(input.projectId);
    if (!settings.repositoryUrl) {
      throw new BuildException(
        BuildExceptionReason.NO_REPOSITORY,
        'The project has no repository to build: set one with updateBuildSettings',
      );
    }
    const branch = checkBranch(
      input.branch ?? (await this.projectSettings.deploymentPreferences(input.projectId)).productionBranch,
    );
    const requestedCommit = input.commitSha === undefined ? null : checkCommitSha(input.commitSha);
    return this.queueBuild(
      ctx,
      { projectId: toObjectId(input.projectId), branch, requestedCommit, createdBy: createdBy ?? ctx.actorId ?? null },
      input.supersedeQueued,
    );
  }

  /** A new attempt of a finished build: the same branch, at the commit the build checked out. */
  async retry(ctx: RequestContext, buildId: string): Promise<Build> {
    const original = await this.record(buildId);
    if (!FINISHED_STATUSES.includes(original.status)) {
      throw new BuildException(BuildExceptionReason.BUILD_NOT_FINISHED, 'Only a finished build can be retried');
    }
    return this.queueBuild(ctx, {
      projectId: original.projectId,
      branch: original.branch,
      requestedCommit: original.commitSha ?? original.requestedCommit,
      retryOf: original._id,
      attempt: (original.attempt ?? 1) + 1,
    });
  }

  /**
   * Stops a build. A queued one is canceled at once; a running one is told to stop, and the worker
   * running it kills its process tree within two seconds. Canceling a finished build changes nothing.
   */
  async cancel(ctx: RequestContext, buildId: string): Promise<Build> {
    const queued = await this.cancelQueued(ctx, buildId, 'Canceled before it started');
    if (queued) return Build.from(queued);
    const running = await this.builds
      .findOneAndUpdate({ _id: toObjectId(buildId), status: BuildStatus.RUNNING }, { $set: { cancelRequested: true } })
      .lean<BuildRecord>()
      .exec();
    if (running) {
      await this.pubSub.publish(buildCancelTrigger(buildId), { buildId });
      // Answer with the outcome when the worker confirms in time, as it does within two seconds.
      const deadline = Date.now() + 3_000;
      while (Date.now() < deadline) {
        const current = await this.record(buildId);
        if (current.status !== BuildStatus.RUNNING) return Build.from(current);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return Build.from(await this.record(buildId));
  }

  /** Cancels a build if it is still queued; the record as it ended, or null if it was not queued. */
  private async cancelQueued(ctx: RequestContext, buildId: string, reason: string): Promise<BuildRecord | null> {
    const queued = await this.builds
      .findOneAndUpdate(
        { _id: toObjectId(buildId), status: BuildStatus.QUEUED },
        { $set: { status: BuildStatus.CANCELED, error: reason, finishedAt: new Date() } },
        { returnDocument: 'after' },
      )
      .lean<BuildRecord>()
      .exec();
    if (!queued) return null;
    await (await this.queue.getJob(buildId))?.remove().catch(() => undefined);
    await this.dispatcher.release(buildId);
    await this.logs.finished(buildId, queued.projectId.toHexString(), BuildStatus.CANCELED, queued.logLines);
    await this.events.publish(
      new BuildCanceledEvent(
        queued.projectId.toHexString(),
        ctx.actorId,
        buildId,
        queued.branch,
        BuildStatus.CANCELED,
        null,
        buildTiming(queued),
      ),
    );
    return queued;
  }

  private async queueBuild(
    ctx: RequestContext,
    build: Pick<BuildRecord, 'projectId' | 'branch' | 'requestedCommit'> &
      Partial<Pick<BuildRecord, 'retryOf' | 'attempt' | 'createdBy'>>,
    supersedeQueued = false,
  ): Promise<Build> {
    const record = (
      await this.builds.create({
        createdBy: ctx.actorId ?? null,
        ...build,
        status: BuildStatus.QUEUED,
        queuedAt: new Date(),
      })
    ).toObject<BuildRecord>();
    const buildId = record._id.toHexString();
    const projectId = record.projectId.toHexString();
    if (supersedeQueued) {
      const waiting = await this.builds
        .find(
          { projectId: record.projectId, branch: record.branch, status: BuildStatus.QUEUED, _id: { $ne: record._id } },
          { _id: 1 },
        )
        .lean<BuildRecord[]>()
        .exec();
      for (const older of waiting)
        await this.cancelQueued(ctx, older._id.toHexString(), `Superseded by build ${buildId}`);
    }
    await this.dispatcher.dispatch(projectId);
    await this.events.publish(
      new BuildQueuedEvent(
        projectId,
        ctx.actorId,
        buildId,
        record.branch,
        BuildStatus.QUEUED,
        null,
        buildTiming(record),
      ),
    );
    return Build.from(record);
  }

  private async record(buildId: string): Promise<BuildRecord> {
    const record = await this.builds.findById(toObjectId(buildId)).lean<BuildRecord>().exec();
    if (!record) throw new BuildException(BuildExceptionReason.BUILD_NOT_FOUND, 'No build has this id');
    return record;
  }

  async get(id: string): Promise<Build> {
    return Build.from(await this.record(id));
  }

  list(args: BuildsArgs): Promise<Connection<Build>> {
    const filter: Record<string, unknown> = { projectId: toObjectId(args.projectId) };
    if (args.status) filter.status = args.status;
    if (args.branch) filter.branch = args.branch;
    return paginate(this.builds, filter, args, Build.from);
  }

  /** Figures over the project's builds queued in [from, to). */
  async stats(projectId: string, from: Date, to: Date): Promise<BuildStats> {
    if (!(from < to) || to.getTime() - from.getTime() > MAX_STATS_RANGE_MS) {
      throw new BuildException(
        BuildExceptionReason.INVALID_PERIOD,
        '`to` must be after `from`, and at most 366 days after it',
      );
    }
    return BuildStats.from(buildStats(await this.times(projectId, from, to)));
  }

  /** One bucket per UTC day, the last one today. */
  async analytics(projectId: string, days: number): Promise<BuildDay[]> {
    const today = new Date();
    today.setUTCHours(0, 0, 0, 0);
    const from = new Date(today.getTime() - (days - 1) * 86_400_000);
    const to = new Date(today.getTime() + 86_400_000);
    return dailyBuckets(await this.times(projectId, from, to), from, days).map(({ day, stats }) =>
      Object.assign(new BuildDay(), { day, stats: BuildStats.from(stats) }),
    );
  }

  private times(projectId: string, from: Date, to: Date): Promise<BuildTimes[]> {
    return this.builds
      .find(
        { projectId: toObjectId(projectId), queuedAt: { $gte: from, $lt: to } },
        { status: 1, queuedAt: 1, startedAt: 1, finishedAt: 1, 'cache.status': 1 },
      )
      .limit(MAX_STATS_BUILDS)
      .lean<BuildTimes[]>()
      .exec();
  }

  /** The project a build belongs to, for the access guard. */
  async projectOf(buildId: string): Promise<string | null> {
    if (!isObjectId(buildId)) return null;
    const record = await this.builds.findById(toObjectId(buildId), { projectId: 1 }).lean<BuildRecord>().exec();
    return record ? record.projectId.toHexString() : null;
  }
}
