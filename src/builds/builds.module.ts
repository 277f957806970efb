import { BullModule } from '@nestjs/bull';
import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../access/access.module';
import { ResourceLocator } from '../access/resource-locator';
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
import { DeployHooksController } from './deploy-hooks.controller';
import { DeployHooksResolver } from './deploy-hooks.resolver';
import { DeployHooksService } from './deploy-hooks.service';

const MODELS = MongooseModule.forFeature([
  { name: BuildRecord.name, schema: BuildSchema },
  { name: BuildSettingsRecord.name, schema: BuildSettingsSchema },
  { name: BuildLogChunkRecord.name, schema: BuildLogChunkSchema },
  { name: BuildSlotsRecord.name, schema: BuildSlotsSchema },
  { name: DeployHookRecord.name, schema: DeployHookSchema },
]);

@Module({
  imports: [AccessModule, MODELS, BullModule.registerQueue({ name: BUILDS_QUEUE })],
  controllers: [DeployHooksController],
  providers: [
    BuildsService,
    BuildSettingsService,
    BuildLogsService,
    BuildDispatcherService,
    DeployHooksService,
    BuildsResolver,
    DeployHooksResolver,
  ],
  exports: [BuildsService, BuildSettingsService, BuildLogsService, BuildDispatcherService, MODELS],
})
export class BuildsModule implements OnModuleInit {
  constructor(
    private readonly locator: ResourceLocator,
    private readonly builds: BuildsService,
    private readonly hooks: DeployHooksService,
  ) {}

  onModuleInit(): void {
    this.locator.register('build', (id) => this.builds.projectOf(id));
    this.locator.register('deployHook', (id) => this.hooks.projectOf(id));
  }
}
