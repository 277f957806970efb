import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import path from 'node:path';
import { EncryptionService } from '../common/crypto/encryption.service';
import { randomToken } from '../common/crypto/hashing';
import { toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import { ProjectSettingsService } from '../settings/project-settings.service';
import { BuildSettingsRecord } from './build-settings.schema';
import { BuildException, BuildExceptionReason } from './build.exception';
import type { UpdateBuildSettingsInput } from './dto/update-build-settings.input';
import { parseRepositoryUrl } from './git/repository-url';
import { BuildSettings } from './models/build-settings.model';

type Settings = Omit<BuildSettingsRecord, 'createdAt' | 'updatedAt'>;

/** What the git webhook key is, to the encryption (see EncryptionService). */
const GIT_WEBHOOK_SECRET = 'build-settings.git-webhook-secret';

const DEFAULTS = {
  repositoryUrl: null,
  rootDirectory: '',
  installCommand: null,
  buildCommand: null,
  outputDirectory: null,
  cacheDirectories: [] as string[],
  timeoutSeconds: 900,
  spaFallback: false,
  gitWebhookSecret: null,
};

/** What build settings held before deployment preferences and limits moved to the project's settings. */
const MOVED_FIELDS = ['productionBranch', 'autoDeployBranches', 'concurrentBuilds'] as const;

/** A directory to cache, tidied; the root directory itself or `.git` would take the repository along. */
function cacheDirectory(directory: string): string {
  const tidy = path.posix.normalize(directory.trim()).replace(/^\/+|\/+$/g, '');
  if (tidy === '' || tidy === '.' || tidy.split('/').includes('.git')) {
    throw new BuildException(
      BuildExceptionReason.INVALID_CACHE_DIRECTORY,
      `"${directory}" cannot be cached: name a directory inside the root directory, other than .git`,
    );
  }
  return tidy;
}

/** A project's build settings; a project that never set them builds with the defaults. */
@Injectable()
export class BuildSettingsService {
  private readonly logger = new Logger(BuildSettingsService.name);

  constructor(
    @InjectModel(BuildSettingsRecord.name) private readonly settings: Model<BuildSettingsRecord>,
    private readonly projectSettings: ProjectSettingsService,
    private readonly config: AppConfig,
    private readonly encryption: EncryptionService,
  ) {
    encryption.register({
      name: 'build_settings.gitWebhookSecret',
      model: settings,
      field: 'gitWebhookSecret',
      purpose: GIT_WEBHOOK_SECRET,
    });
  }

  async record(projectId: string): Promise<Settings> {
    const found = await this.settings.findById(toObjectId(projectId)).lean<BuildSettingsRecord>().exec();
    return found ? { ...DEFAULTS, ...found } : { _id: toObjectId(projectId), ...DEFAULTS };
  }

  async get(projectId: string): Promise<BuildSettings> {
    return BuildSettings.from(await this.record(projectId));
  }

  /** The key the project's git push webhooks are signed with, decrypted; null when it has none. */
  gitWebhookSecret(settings: Pick<BuildSettingsRecord, 'gitWebhookSecret'>): string | null {
    return settings.gitWebhookSecret ? this.encryption.decrypt(settings.gitWebhookSecret, GIT_WEBHOOK_SECRET) : null;
  }

  /** A new key for the project's git push webhooks; the old one stops working. Returned only now. */
  async rotateGitWebhookSecret(projectId: string): Promise<string> {
    const secret = randomToken('slw_gh').slice('slw_gh_'.length);
    await this.settings
      .updateOne(
        { _id: toObjectId(projectId) },
        {
          $set: { gitWebhookSecret: this.encryption.encrypt(secret, GIT_WEBHOOK_SECRET) },
          $setOnInsert: Object.fromEntries(Object.entries(DEFAULTS).filter(([key]) => key !== 'gitWebhookSecret')),
        },
        { upsert: true },
      )
      .exec();
    return secret;
  }

  /**
   * Checks the repository address as a checkout will use it, and the timeout against the project's
   * limit, then stores what was given.
   */
  async update(input: UpdateBuildSettingsInput): Promise<BuildSettings> {
    const set: Partial<Settings> = {};
    if (input.repositoryUrl !== undefined) {
      set.repositoryUrl =
        input.repositoryUrl === null
          ? null
          : parseRepositoryUrl(input.repositoryUrl, this.config.ALLOW_LOCAL_REPOSITORIES).url;
    }
    if (input.rootDirectory !== undefined) set.rootDirectory = input.rootDirectory.replace(/^\/+|\/+$/g, '');
    for (const key of ['installCommand', 'buildCommand', 'outputDirectory'] as const) {
      const value = input[key];
      if (value !== undefined) set[key] = value === null || value.trim() === '' ? null : value.trim();
    }
    if (input.cacheDirectories !== undefined) set.cacheDirectories = input.cacheDirectories.map(cacheDirectory);
    if (input.timeoutSeconds !== undefined) {
      const { maxBuildTimeoutSeconds } = await this.projectSettings.resourceLimits(input.projectId);
      if (input.timeoutSeconds > maxBuildTimeoutSeconds) {
        throw new BuildException(
          BuildExceptionReason.OUT_OF_BOUNDS,
          `timeoutSeconds must be at most ${maxBuildTimeoutSeconds} (the project's limit, maxBuildTimeoutSeconds)`,
          { field: 'timeoutSeconds', max: maxBuildTimeoutSeconds },
        );
      }
      set.timeoutSeconds = input.timeoutSeconds;
    }
    if (input.spaFallback !== undefined) set.spaFallback = input.spaFallback;
    const saved = await this.settings
      .findOneAndUpdate(
        { _id: toObjectId(input.projectId) },
        // Defaults for what this update does not set; a path cannot be in both.
        { $set: set, $setOnInsert: Object.fromEntries(Object.entries(DEFAULTS).filter(([key]) => !(key in set))) },
        { upsert: true, returnDocument: 'after' },
      )
      .lean<BuildSettingsRecord>()
      .exec();
    return BuildSettings.from(saved!);
  }

  /**
   * Hands what build settings used to hold (the production branch, auto-deploy branches and
   * concurrency) to the project's settings, which keep them now, then removes it here. A project
   * that has set them in its settings already keeps those. Idempotent and cheap once done (no
   * document has the fields left), so every process runs it at start.
   */
  async moveLegacyFields(): Promise<void> {
    // The driver's collection: the fields are no longer in the schema, which would drop them from queries.
    const collection = this.settings.collection;
    const legacy = await collection
      .find({ $or: MOVED_FIELDS.map((field) => ({ [field]: { $exists: true } })) })
      .project<{
        _id: Types.ObjectId;
        productionBranch?: unknown;
        autoDeployBranches?: unknown;
        concurrentBuilds?: unknown;
      }>({ productionBranch: 1, autoDeployBranches: 1, concurrentBuilds: 1 })
      .toArray();
    for (const record of legacy) {
      const projectId = record._id.toHexString();
      try {
        // Every document got the old defaults (main, none, 1) when it was made: those were never chosen.
        const branches = Array.isArray(record.autoDeployBranches)
          ? record.autoDeployBranches.filter((branch): branch is string => typeof branch === 'string')
          : [];
        const moved = await this.projectSettings.adopt(projectId, {
          productionBranch:
            typeof record.productionBranch === 'string' && record.productionBranch !== 'main'
              ? record.productionBranch
              : undefined,
          autoDeployBranches: branches.length > 0 ? branches : undefined,
          concurrentBuilds:
            typeof record.concurrentBuilds === 'number' && record.concurrentBuilds !== 1
              ? record.concurrentBuilds
              : undefined,
        });
        if (moved.length > 0) this.logger.log(`Moved ${moved.join(', ')} of project ${projectId} to its settings`);
      } catch (error) {
        this.logger.warn(`Could not move the build settings of project ${projectId}: ${(error as Error).message}`);
        continue;
      }
      await collection.updateOne(
        { _id: record._id },
        { $unset: Object.fromEntries(MOVED_FIELDS.map((field) => [field, ''])) },
      );
    }
  }
}
