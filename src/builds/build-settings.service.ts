import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import path from 'node:path';
import { EncryptionService } from '../common/crypto/encryption.service';
import { randomToken } from '../common/crypto/hashing';
import { toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import { BuildSettingsRecord } from './build-settings.schema';
import { BuildException, BuildExceptionReason } from './build.exception';
import type { UpdateBuildSettingsInput } from './dto/update-build-settings.input';
import { checkBranch } from './git/git-ref';
import { parseRepositoryUrl } from './git/repository-url';
import { BuildSettings } from './models/build-settings.model';

type Settings = Omit<BuildSettingsRecord, 'createdAt' | 'updatedAt'>;

/** What the git webhook key is, to the encryption (see EncryptionService). */
const GIT_WEBHOOK_SECRET = 'build-settings.git-webhook-secret';

const DEFAULTS = {
  repositoryUrl: null,
  productionBranch: 'main',
  rootDirectory: '',
  installCommand: null,
  buildCommand: null,
  outputDirectory: null,
  cacheDirectories: [] as string[],
  timeoutSeconds: 900,
  concurrentBuilds: 1,
  spaFallback: false,
  autoDeployBranches: [] as string[],
  gitWebhookSecret: null,
};

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
  constructor(
    @InjectModel(BuildSettingsRecord.name) private readonly settings: Model<BuildSettingsRecord>,
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

  /** Checks the repository address and branch as a checkout will use them, then stores what was given. */
  async update(input: UpdateBuildSettingsInput): Promise<BuildSettings> {
    const set: Partial<Settings> = {};
    if (input.repositoryUrl !== undefined) {
      set.repositoryUrl =
        input.repositoryUrl === null
          ? null
          : parseRepositoryUrl(input.repositoryUrl, this.config.ALLOW_LOCAL_REPOSITORIES).url;
    }
    if (input.productionBranch !== undefined) set.productionBranch = checkBranch(input.productionBranch);
    if (input.rootDirectory !== undefined) set.rootDirectory = input.rootDirectory.replace(/^\/+|\/+$/g, '');
    for (const key of ['installCommand', 'buildCommand', 'outputDirectory'] as const) {
      const value = input[key];
      if (value !== undefined) set[key] = value === null || value.trim() === '' ? null : value.trim();
    }
    if (input.cacheDirectories !== undefined) set.cacheDirectories = input.cacheDirectories.map(cacheDirectory);
    if (input.timeoutSeconds !== undefined) set.timeoutSeconds = input.timeoutSeconds;
    if (input.concurrentBuilds !== undefined) set.concurrentBuilds = input.concurrentBuilds;
    if (input.spaFallback !== undefined) set.spaFallback = input.spaFallback;
    if (input.autoDeployBranches !== undefined) set.autoDeployBranches = input.autoDeployBranches.map(checkBranch);
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
}
