import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import type { Model } from 'mongoose';
import type { RequestContext } from '../common/context/request-context';
import { EventBus } from '../common/events/event-bus';
import { isObjectId, toObjectId } from '../common/mongo/object-id';
import type { Connection } from '../common/pagination/connection';
import { paginate } from '../common/pagination/paginate';
import { BuildException, BuildExceptionReason } from './build.exception';
import { BuildRecord, BuildStatus } from './build.schema';
import { BuildSettingsService } from './build-settings.service';
import type { BuildsArgs } from './dto/builds.args';
import type { CreateBuildInput } from './dto/create-build.input';
import { BuildQueuedEvent } from './events/build-lifecycle.event';
import { checkBranch, checkCommitSha } from './git/git-ref';
import { BUILDS_QUEUE, BuildJob, type BuildJobPayloads } from './jobs/build-jobs';
import { Build } from './models/build.model';

/** Queues builds and answers questions about them; workers run them (`jobs/build-runner.service.ts`). */
@Injectable()
export class BuildsService {
  constructor(
    @InjectModel(BuildRecord.name) private readonly builds: Model<BuildRecord>,
    @InjectQueue(BUILDS_QUEUE) private readonly queue: Queue<BuildJobPayloads[BuildJob.RUN]>,
    private readonly settings: BuildSettingsService,
    private readonly events: EventBus,
  ) {}

  async create(ctx: RequestContext, input: CreateBuildInput): Promise<Build> {
    const settings = await this.settings.record(input.projectId);
    if (!settings.repositoryUrl) {
      throw new BuildException(
        BuildExceptionReason.NO_REPOSITORY,
        'The project has no repository to build: set one with updateBuildSettings',
      );
    }
    const branch = checkBranch(input.branch ?? settings.productionBranch);
    const requestedCommit = input.commitSha === undefined ? null : checkCommitSha(input.commitSha);
    const record = (
      await this.builds.create({
        projectId: toObjectId(input.projectId),
        branch,
        requestedCommit,
        status: BuildStatus.QUEUED,
        createdBy: ctx.actorId ?? null,
        queuedAt: new Date(),
      })
    ).toObject<BuildRecord>();
    const buildId = record._id.toHexString();
    // The job id is the build's: a build is queued once, whoever asks again.
    await this.queue.add(BuildJob.RUN, { buildId }, { jobId: buildId, attempts: 1, removeOnComplete: true });
    await this.events.publish(new BuildQueuedEvent(input.projectId, ctx.actorId, buildId, branch, BuildStatus.QUEUED));
    return Build.from(record);
  }

  async get(id: string): Promise<Build> {
    const record = await this.builds.findById(toObjectId(id)).lean<BuildRecord>().exec();
    if (!record) throw new BuildException(BuildExceptionReason.BUILD_NOT_FOUND, 'No build has this id');
    return Build.from(record);
  }

  list(args: BuildsArgs): Promise<Connection<Build>> {
    const filter: Record<string, unknown> = { projectId: toObjectId(args.projectId) };
    if (args.status) filter.status = args.status;
    if (args.branch) filter.branch = args.branch;
    return paginate(this.builds, filter, args, Build.from);
  }

  /** The project a build belongs to, for the access guard. */
  async projectOf(buildId: string): Promise<string | null> {
    if (!isObjectId(buildId)) return null;
    const record = await this.builds.findById(toObjectId(buildId), { projectId: 1 }).lean<BuildRecord>().exec();
    return record ? record.projectId.toHexString() : null;
  }
}
