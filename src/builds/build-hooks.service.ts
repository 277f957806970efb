import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isObjectId, toObjectId } from '../common/mongo/object-id';
import { BuildHookPhase, BuildHookRecord } from './build-hook.schema';
import type { CreateBuildHookInput } from './dto/create-build-hook.input';
import { BuildHook } from './models/build-hook.model';

/** Hooks a project keeps at most. */
const MAX_HOOKS = 50;

/** A project's build hooks: commands run before (`PRE_BUILD`) or after (`POST_BUILD`) its build command. */
@Injectable()
export class BuildHooksService {
  constructor(@InjectModel(BuildHookRecord.name) private readonly hooks: Model<BuildHookRecord>) {}

  async create(input: CreateBuildHookInput): Promise<BuildHook> {
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

  async delete(hookId: string): Promise<boolean> {
    return (await this.hooks.deleteOne({ _id: toObjectId(hookId) }).exec()).deletedCount === 1;
  }

  async projectOf(hookId: string): Promise<string | null> {
    if (!isObjectId(hookId)) return null;
    const record = await this.hooks.findById(toObjectId(hookId), { projectId: 1 }).lean<BuildHookRecord>().exec();
    return record ? record.projectId.toHexString() : null;
  }
}
