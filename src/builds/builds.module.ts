import { BullModule } from '@nestjs/bull';
import { Logger, Module, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../access/access.module';
import { EnvVarsModule } from '../settings/env-vars/env-vars.module';
import { ResourceLocator } from '../access/resource-locator';
import { SettingsModule } from '../settings/settings.module';
import { BuildLogChunkRecord, BuildLogChunkSchema } from './build-log.schema';
import { BuildLogsService } from './build-logs.service';
import { BuildRecord, BuildSchema } from './build.schema';
import { BuildSettingsRecord, BuildSettingsSchema } from './build-settings.schema';
import { BuildSettingsService } from './build-settings.service';
import { BuildDispatcherService } from './build-dispatcher.service';
import { BuildSlotsRecord, BuildSlotsSchema } from './build-slots.schema';
import { BuildsResolver } from './builds.resolver';
import { BuildsService } from './builds.service';
import { BUILDS_QUEUE } from './jobs/build-jobs';
import { DeployHookRecord, DeployHookSchema } from './deploy-hook.schema';
import { BuildHookRecord, BuildHookSchema } from './build-hook.schema';
import { BuildHooksResolver } from './build-hooks.resolver';
import { BuildHooksService } from './build-hooks.service';
import { DeployHooksController } from './deploy-hooks.controller';
import { GitWebhooksController } from './git-webhooks.controller';
import { DeployHooksResolver } from './deploy-hooks.resolver';
import { DeployHooksService } from './deploy-hooks.service';
import { BuildCacheEntryRecord, BuildCacheEntrySchema } from './cache/build-cache.schema';
import { BuildCacheService } from './cache/build-cache.service';
import { BuildCacheListener } from './cache/build-cache.listener';

const MODELS = MongooseModule.forFeature([
  { name: BuildRecord.name, schema: BuildSchema },
  { name: BuildSettingsRecord.name, schema: BuildSettingsSchema },
  { name: BuildLogChunkRecord.name, schema: BuildLogChunkSchema },
  { name: BuildSlotsRecord.name, schema: BuildSlotsSchema },
  { name: DeployHookRecord.name, schema: DeployHookSchema },
  { name: BuildHookRecord.name, schema: BuildHookSchema },
  { name: BuildCacheEntryRecord.name, schema: BuildCacheEntrySchema },
]);

@Module({
  imports: [AccessModule, SettingsModule, EnvVarsModule, MODELS, BullModule.registerQueue({ name: BUILDS_QUEUE })],
  controllers: [DeployHooksController, GitWebhooksController],
  providers: [
    BuildsService,
    BuildSettingsService,
    BuildLogsService,
    BuildDispatcherService,
    DeployHooksService,
    BuildHooksService,
    BuildCacheService,
    BuildCacheListener,
    BuildsResolver,
    DeployHooksResolver,
    BuildHooksResolver,
  ],
  exports: [
    BuildsService,
    BuildSettingsService,
    BuildLogsService,
    BuildDispatcherService,
    BuildHooksService,
    BuildCacheService,
    EnvVarsModule,
    MODELS,
  ],
})
export class BuildsModule implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(BuildsModule.name);

  constructor(
    private readonly locator: ResourceLocator,
    private readonly builds: BuildsService,
    private readonly hooks: DeployHooksService,
    private readonly buildHooks: BuildHooksService,
    private readonly settings: BuildSettingsService,
  ) {}

  onModuleInit(): void {
    this.locator.register('build', (id) => this.builds.projectOf(id));
    this.locator.register('deployHook', (id) => this.hooks.projectOf(id));
    this.locator.register('buildHook', (id) => this.buildHooks.projectOf(id));
  }

  /** Build settings stored before deployment preferences moved to project settings go there; see moveLegacyFields. */
  async onApplicationBootstrap(): Promise<void> {
    await this.settings
      .moveLegacyFields()
      .catch((error: Error) =>
        this.logger.warn(`Moving legacy build settings failed; next start tries again: ${error.message}`),
      );
  }
}
