import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import type { Model } from 'mongoose';
import { toObjectId } from '../common/mongo/object-id';
import { ProjectSettingsService } from '../settings/project-settings.service';
import { BuildSlotsRecord } from './build-slots.schema';
import { BuildRecord, BuildStatus } from './build.schema';
import { BUILDS_QUEUE, BuildJob, type BuildJobPayloads } from './jobs/build-jobs';

/**
 * Holds each project to its `concurrentBuilds` (a resource limit of its settings): a build goes to the Bull queue only once it has
 * taken one of the project's places, oldest queued first; the rest wait `QUEUED`, in order. A build
 * gives its place back when it ends, which dispatches the next one.
 */
@Injectable()
export class BuildDispatcherService {
  constructor(
    @InjectModel(BuildRecord.name) private readonly builds: Model<BuildRecord>,
    @InjectModel(BuildSlotsRecord.name) private readonly slots: Model<BuildSlotsRecord>,
    @InjectQueue(BUILDS_QUEUE) private readonly queue: Queue<BuildJobPayloads[BuildJob.RUN]>,
    private readonly settings: ProjectSettingsService,
  ) {}

  /** Sends the project's oldest waiting builds to the queue while it has places. */
  async dispatch(projectId: string): Promise<void> {
    const project = toObjectId(projectId);
    const limit = (await this.settings.resourceLimits(projectId)).concurrentBuilds;
    await this.slots.updateOne({ _id: project }, { $setOnInsert: { taken: 0 } }, { upsert: true }).exec();
    for (;;) {
      const next = await this.builds
        .findOne({ projectId: project, status: BuildStatus.QUEUED, holdsSlot: false }, { _id: 1 })
        .sort({ queuedAt: 1, _id: 1 })
        .lean<BuildRecord>()
        .exec();
      if (!next) return;
      const place = await this.slots.updateOne({ _id: project, taken: { $lt: limit } }, { $inc: { taken: 1 } }).exec();
      if (place.modifiedCount !== 1) return;
      const claimed = await this.builds
        .updateOne({ _id: next._id, status: BuildStatus.QUEUED, holdsSlot: false }, { $set: { holdsSlot: true } })
        .exec();
      if (claimed.modifiedCount !== 1) {
        // Another dispatcher took this build, or it was canceled: give the place back and look again.
        await this.slots.updateOne({ _id: project, taken: { $gt: 0 } }, { $inc: { taken: -1 } }).exec();
        continue;
      }
      const buildId = next._id.toHexString();
      // The job id is the build's: a build is queued once, whoever dispatches it.
      await this.queue.add(BuildJob.RUN, { buildId }, { jobId: buildId, attempts: 1, removeOnComplete: true });
    }
  }

  /** Gives back the place a build held (once), and dispatches the project's next builds. */
  async release(buildId: string): Promise<void> {
    const held = await this.builds
      .findOneAndUpdate({ _id: toObjectId(buildId), holdsSlot: true }, { $set: { holdsSlot: false } })
      .lean<BuildRecord>()
      .exec();
    if (!held) return;
    await this.slots.updateOne({ _id: held.projectId, taken: { $gt: 0 } }, { $inc: { taken: -1 } }).exec();
    await this.dispatch(held.projectId.toHexString());
  }
}
