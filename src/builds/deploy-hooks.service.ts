import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { timingSafeEqual } from 'node:crypto';
import type { Model } from 'mongoose';
import { randomToken, sha256 } from '../common/crypto/hashing';
import { RequestContext } from '../common/context/request-context';
import { isObjectId, toObjectId } from '../common/mongo/object-id';
import { BuildException, BuildExceptionReason } from './build.exception';
import { BuildsService } from './builds.service';
import { DeployHookRecord } from './deploy-hook.schema';
import type { CreateDeployHookInput } from './dto/create-deploy-hook.input';
import { checkBranch } from './git/git-ref';
import type { Build } from './models/build.model';
import { DeployHook } from './models/deploy-hook.model';

/** Where a deploy hook is POSTed to, secret included. */
export const deployHookPath = (hookId: string, secret: string): string => `/hooks/deploy/${hookId}/${secret}`;

/**
 * Deploy hooks: per project and branch, a URL with a random secret (stored only as its SHA-256)
 * that queues a build of the branch when anything POSTs to it, without an account or a token.
 */
@Injectable()
export class DeployHooksService {
  constructor(
    @InjectModel(DeployHookRecord.name) private readonly hooks: Model<DeployHookRecord>,
    private readonly builds: BuildsService,
  ) {}

  async create(input: CreateDeployHookInput): Promise<DeployHook> {
    const secret = randomToken('slw_dh').slice('slw_dh_'.length);
    const record = (
      await this.hooks.create({
        projectId: toObjectId(input.projectId),
        name: input.name.trim(),
        branch: checkBranch(input.branch),
        secretHash: sha256(secret),
      })
    ).toObject<DeployHookRecord>();
    return DeployHook.from(record, deployHookPath(record._id.toHexString(), secret));
  }

  async list(projectId: string): Promise<DeployHook[]> {
    const records = await this.hooks
      .find({ projectId: toObjectId(projectId) })
      .sort({ _id: -1 })
      .limit(100)
      .lean<DeployHookRecord[]>()
      .exec();
    return records.map((record) => DeployHook.from(record));
  }

  async delete(hookId: string): Promise<boolean> {
    return (await this.hooks.deleteOne({ _id: toObjectId(hookId) }).exec()).deletedCount === 1;
  }

  async projectOf(hookId: string): Promise<string | null> {
    if (!isObjectId(hookId)) return null;
    const record = await this.hooks.findById(toObjectId(hookId), { projectId: 1 }).lean<DeployHookRecord>().exec();
    return record ? record.projectId.toHexString() : null;
  }

  /** Queues a build for a hook whose secret matches (compared in constant time); refuses otherwise. */
  async trigger(hookId: string, secret: string, ctx: RequestContext): Promise<Build> {
    const record = isObjectId(hookId)
      ? await this.hooks.findById(toObjectId(hookId)).lean<DeployHookRecord>().exec()
      : null;
    const given = Buffer.from(sha256(secret));
    if (!record || !timingSafeEqual(given, Buffer.from(record.secretHash))) {
      throw new BuildException(BuildExceptionReason.DEPLOY_HOOK_NOT_FOUND, 'No deploy hook has this address');
    }
    await this.hooks.updateOne({ _id: record._id }, { $set: { lastTriggeredAt: new Date() } }).exec();
    return this.builds.create(
      ctx,
      { projectId: record.projectId.toHexString(), branch: record.branch, supersedeQueued: true },
      `deploy-hook:${hookId}`,
    );
  }
}
