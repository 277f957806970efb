import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isObjectId, toObjectId } from '../common/mongo/object-id';
import { BuildHookPhase, BuildHookRecord } from './build-hook.schema';
import type { CreateBuildHookInput } from './dto/create-build-hook.input';
import type { UpdateBuildHookInput } from './dto/update-build-hook.input';
import { BuildException, BuildExceptionReason } from './build.exception';
import { BuildHook } from './models/build-hook.model';

/** Hooks a project keeps at most. */
const MAX_HOOKS = 50;

/** A project's build hooks: commands run before (`PRE_BUILD`) or after (`POST_BUILD`) its build command. */
@Injectable()
export class BuildHooksService {
  constructor(@InjectModel(BuildHookRecord.name) private readonly hooks: Model<BuildHookRecord>) {}

  async create(input: CreateBuildHookInput): Promise<BuildHook> {
    // Two requests at once could both pass; the list a build runs stays capped all the same.
    if ((await this.hooks.countDocuments({ projectId: toObjectId(input.projectId) }).exec()) >= MAX_HOOKS) {
      throw new BuildException(
        BuildExceptionReason.HOOK_LIMIT_REACHED,
        `A project has at most ${MAX_HOOKS} build hooks; delete one first`,
      );
    }
    const record = (
      await this.hooks.create({
        projectId: toObjectId(input.projectId),
        phase: input.phase,
        command: input.command.trim(),
        order: input.order,
        continueOnError: input.continueOnError,
      })
    ).toObject<BuildHookRecord>();
    return BuildHook.from(record);
  }

  /** The project's hooks, by phase and order. */
  async list(projectId: string, phase?: BuildHookPhase): Promise<BuildHook[]> {
    const records = await this.hooks
      .find({ projectId: toObjectId(projectId), ...(phase ? { phase } : {}) })
      .sort({ phase: 1, order: 1, _id: 1 })
      .limit(MAX_HOOKS)
      .lean<BuildHookRecord[]>()
      .exec();
    return records.map((record) => BuildHook.from(record));
  }

  /** Changes what was given of a hook. */
  async update(input: UpdateBuildHookInput): Promise<BuildHook> {
    const set: Partial<BuildHookRecord> = {};
    if (input.phase !== undefined) set.phase = input.phase;
    if (input.command !== undefined) set.command = input.command.trim();
    if (input.order !== undefined) set.order = input.order;
    if (input.continueOnError !== undefined) set.continueOnError = input.continueOnError;
    const record = await this.hooks
      .findOneAndUpdate({ _id: toObjectId(input.hookId) }, { $set: set }, { returnDocument: 'after' })
      .lean<BuildHookRecord>()
      .exec();
    if (!record) throw new BuildException(BuildExceptionReason.BUILD_HOOK_NOT_FOUND, 'No build hook has this id');
    return BuildHook.from(record);
  }

  async delete(hookId: string): Promise<boolean> {
    return (await this.hooks.deleteOne({ _id: toObjectId(hookId) }).exec()).deletedCount === 1;
  }

  async projectOf(hookId: string): Promise<string | null> {
    if (!isObjectId(hookId)) return null;
    const record = await this.hooks.findById(toObjectId(hookId), { projectId: 1 }).lean<BuildHookRecord>().exec();
    return record ? record.projectId.toHexString() : null;
  }
}
