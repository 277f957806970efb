import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { RequestContext } from '../../common/context/request-context';
import { EncryptionService } from '../../common/crypto/encryption.service';
import { branchNameProblem } from '../../common/git/branch-name';
import { EventBus } from '../../common/events/event-bus';
import { toObjectId } from '../../common/mongo/object-id';
import { formatDotenv, parseDotenv, type DotenvRejection } from './dotenv';
import { EnvVarException, EnvVarExceptionReason } from './env-var.exception';
import { keyProblem, valueProblem } from './env-var-rules';
import { EnvTarget, EnvVarRecord, EnvVarType, EnvVarVersionRecord } from './env-var.schema';
import { EnvVarsChangedEvent } from './events/env-vars-changed.event';

/** What the encryption calls an environment variable's value. */
const PURPOSE = 'env-vars.value';
/** Variables one project keeps at most, over all environments and branches. */
export const MAX_ENV_VARS = 1000;
const ALL_TARGETS = [EnvTarget.PRODUCTION, EnvTarget.PREVIEW, EnvTarget.DEVELOPMENT];

export interface EnvVarView {
  id: string;
  projectId: string;
  key: string;
  target: EnvTarget;
  branch: string | null;
  type: EnvVarType;
  /** The value, for PLAIN variables only. */
  value: string | null;
  /** A masked form, for every variable. */
  maskedValue: string;
  version: number;
  updatedAt: Date;
}

export interface EnvSet {
  version: number;
  variables: Record<string, string>;
  /** The values of the SECRET variables among them, for logs to hide. */
  secrets: string[];
}

export interface SetEnvVar {
  projectId: string;
  key: string;
  value: string;
  type: EnvVarType;
  targets: EnvTarget[];
  branch?: string | null;
}

/** Shows how long a value is and, for a long enough plain one, how it starts; never a secret's content. */
function mask(type: EnvVarType, value: string): string {
  if (type === EnvVarType.SECRET || value.length < 12) return '•'.repeat(Math.min(8, Math.max(4, value.length)));
  return `${value.slice(0, 3)}${'•'.repeat(8)}`;
}

/**
 * A project's environment variables: one record per name, environment and (optionally) branch,
 * every value encrypted at rest, secrets never returned after they are written. Every change
 * takes the next version of the project's set, which builds record.
 */
@Injectable()
export class EnvVarsService {
  constructor(
    @InjectModel(EnvVarRecord.name) private readonly vars: Model<EnvVarRecord>,
    @InjectModel(EnvVarVersionRecord.name) private readonly versions: Model<EnvVarVersionRecord>,
    private readonly encryption: EncryptionService,
    private readonly events: EventBus,
  ) {
    encryption.register({ name: 'env_vars.value', model: vars, field: 'value', purpose: PURPOSE });
  }

  async list(projectId: string, target?: EnvTarget): Promise<EnvVarView[]> {
    const records = await this.vars
      .find({ projectId: toObjectId(projectId), ...(target ? { target } : {}) })
      .sort({ key: 1, target: 1, branch: 1 })
      .limit(MAX_ENV_VARS)
      .lean<EnvVarRecord[]>()
      .exec();
    return records.map((record) => this.view(record));
  }

  /** Writes `key` for each target (replacing what was there); returns the variables written. */
  async set(ctx: RequestContext, input: SetEnvVar): Promise<EnvVarView[]> {
    const branch = checkBranch(input.branch);
    const problem = keyProblem(input.key);
    if (problem) throw new EnvVarException(EnvVarExceptionReason.INVALID_ENV_KEY, problem);
    const badValue = valueProblem(input.value);
    if (badValue) throw new EnvVarException(EnvVarExceptionReason.INVALID_ENV_VALUE, badValue);
    const targets = [...new Set(input.targets.length === 0 ? ALL_TARGETS : input.targets)];
    await this.assertRoom(input.projectId, targets.length);
    for (const target of targets) await this.write(ctx, input, target, branch);
    const version = await this.committed(input.projectId, [input.key], targets, branch);
    await this.events.publish(new EnvVarsChangedEvent(input.projectId, ctx.actorId, version, 'set', [input.key]));
    const written = await this.vars
      .find({ projectId: toObjectId(input.projectId), key: input.key, branch, target: { $in: targets } })
      .lean<EnvVarRecord[]>()
      .exec();
    return written.map((record) => this.view(record));
  }

  /** Removes `key` from the given targets (all when none) for `branch` (the environment-wide value when none). */
  async delete(
    ctx: RequestContext,
    input: { projectId: string; key: string; targets: EnvTarget[]; branch?: string | null },
  ): Promise<number> {
    const branch = checkBranch(input.branch);
    const targets = input.targets.length === 0 ? ALL_TARGETS : input.targets;
    const { deletedCount } = await this.vars
      .deleteMany({ projectId: toObjectId(input.projectId), key: input.key, branch, target: { $in: targets } })
      .exec();
    if (deletedCount === 0) {
      throw new EnvVarException(EnvVarExceptionReason.ENV_VAR_NOT_FOUND, `No variable ${input.key} is set there`);
    }
    const version = await this.nextVersion(input.projectId);
    await this.events.publish(new EnvVarsChangedEvent(input.projectId, ctx.actorId, version, 'deleted', [input.key]));
    return deletedCount;
  }

  /** Sets every readable line of a dotenv text, reporting the others by line number. */
  async import(
    ctx: RequestContext,
    input: { projectId: string; content: string; type: EnvVarType; targets: EnvTarget[]; branch?: string | null },
  ): Promise<{ imported: string[]; rejected: DotenvRejection[]; version: number | null }> {
    const branch = checkBranch(input.branch);
    const { entries, rejected } = parseDotenv(input.content);
    if (entries.length === 0) return { imported: [], rejected, version: null };
    const targets = [...new Set(input.targets.length === 0 ? ALL_TARGETS : input.targets)];
    await this.assertRoom(input.projectId, entries.length * targets.length);
    for (const entry of entries) {
      for (const target of targets)
        await this.write(ctx, { ...input, key: entry.key, value: entry.value }, target, branch);
    }
    const keys = entries.map((e) => e.key);
    const version = await this.committed(input.projectId, keys, targets, branch);
    await this.events.publish(new EnvVarsChangedEvent(input.projectId, ctx.actorId, version, 'imported', keys));
    return { imported: keys, rejected, version };
  }

  /** The PLAIN variables one environment (and branch) would get, as dotenv text; secrets are left out. */
  async export(projectId: string, target: EnvTarget, branch?: string | null): Promise<string> {
    const set = await this.resolve(projectId, target, checkBranch(branch), EnvVarType.PLAIN);
    return formatDotenv(Object.entries(set.variables).map(([key, value]) => ({ key, value })));
  }

  /**
   * The variables a build or function of `target` at `branch` gets, decrypted: the environment's
   * own, with the branch's values over them; and the version of the set they came from.
   */
  forEnvironment(projectId: string, target: EnvTarget, branch: string): Promise<EnvSet> {
    return this.resolve(projectId, target, branch);
  }

  async version(projectId: string): Promise<number> {
    const found = await this.versions.findById(toObjectId(projectId)).lean<EnvVarVersionRecord>().exec();
    return found?.version ?? 0;
  }

  /** Forgets a deleted project's variables. */
  async forgetProject(projectId: string): Promise<void> {
    await this.vars.deleteMany({ projectId: toObjectId(projectId) }).exec();
    await this.versions.deleteOne({ _id: toObjectId(projectId) }).exec();
  }

  private async resolve(projectId: string, target: EnvTarget, branch: string, only?: EnvVarType): Promise<EnvSet> {
    // Read the version on both sides of the values: a change in between is read again.
    for (;;) {
      const before = await this.version(projectId);
      const records = await this.vars
        .find({
          projectId: toObjectId(projectId),
          target,
          branch: { $in: branch ? ['', branch] : [''] },
          ...(only ? { type: only } : {}),
        })
        .sort({ key: 1 })
        .lean<EnvVarRecord[]>()
        .exec();
      if ((await this.version(projectId)) !== before) continue;
      const chosen = new Map<string, EnvVarRecord>();
      for (const record of records.filter((r) => r.branch === '')) chosen.set(record.key, record);
      for (const record of records.filter((r) => r.branch !== '')) chosen.set(record.key, record);
      const variables: Record<string, string> = {};
      const secrets: string[] = [];
      for (const [key, record] of chosen) {
        variables[key] = this.plain(record);
        if (record.type === EnvVarType.SECRET) secrets.push(variables[key]);
      }
      return { version: before, variables, secrets };
    }
  }

  private async write(
    ctx: RequestContext,
    input: Pick<SetEnvVar, 'projectId' | 'key' | 'value' | 'type'>,
    target: EnvTarget,
    branch: string,
  ): Promise<void> {
    await this.vars
      .updateOne(
        { projectId: toObjectId(input.projectId), key: input.key, target, branch },
        {
          $setOnInsert: { version: 0 },
          $set: {
            type: input.type,
            value: this.encryption.encrypt(input.value, PURPOSE),
            updatedBy: ctx.actorId ?? null,
          },
        },
        { upsert: true },
      )
      .exec();
  }

  private async assertRoom(projectId: string, adding: number): Promise<void> {
    const count = await this.vars.countDocuments({ projectId: toObjectId(projectId) }).exec();
    if (count + adding > MAX_ENV_VARS) {
      throw new EnvVarException(
        EnvVarExceptionReason.ENV_VAR_LIMIT_REACHED,
        `A project keeps at most ${MAX_ENV_VARS} variables (over environments and branches); it has ${count}`,
      );
    }
  }

  /**
   * Takes the next version once the values are written, so that a reader who saw the previous
   * version never gets a mix, and stamps the written records with it.
   */
  private async committed(projectId: string, keys: string[], targets: EnvTarget[], branch: string): Promise<number> {
    const version = await this.nextVersion(projectId);
    await this.vars
      .updateMany(
        { projectId: toObjectId(projectId), key: { $in: keys }, target: { $in: targets }, branch },
        { $set: { version } },
      )
      .exec();
    return version;
  }

  private async nextVersion(projectId: string): Promise<number> {
    const updated = await this.versions
      .findOneAndUpdate(
        { _id: toObjectId(projectId) },
        { $inc: { version: 1 } },
        { upsert: true, returnDocument: 'after' },
      )
      .lean<EnvVarVersionRecord>()
      .exec();
    return updated!.version;
  }

  private plain(record: EnvVarRecord): string {
    return this.encryption.decrypt(record.value, PURPOSE);
  }

  private view(record: EnvVarRecord): EnvVarView {
    const value = this.plain(record);
    return {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      key: record.key,
      target: record.target,
      branch: record.branch === '' ? null : record.branch,
      type: record.type,
      value: record.type === EnvVarType.PLAIN ? value : null,
      maskedValue: mask(record.type, value),
      version: record.version,
      updatedAt: record.updatedAt,
    };
  }
}

function checkBranch(branch: string | null | undefined): string {
  if (branch === undefined || branch === null || branch === '') return '';
  const problem = branchNameProblem(branch);
  if (problem) throw new EnvVarException(EnvVarExceptionReason.INVALID_BRANCH, `A branch name ${problem}`);
  return branch;
}
