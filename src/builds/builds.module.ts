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

const MODELS = MongooseModule.forFeature([
  { name: BuildRecord.name, schema: BuildSchema },
  { name: BuildSettingsRecord.name, schema: BuildSettingsSchema },
  { name: BuildLogChunkRecord.name, schema: BuildLogChunkSchema },
  { name: BuildSlotsRecord.name, schema: BuildSlotsSchema },
]);

@Module({
  imports: [AccessModule, MODELS, BullModule.registerQueue({ name: BUILDS_QUEUE })],
  providers: [BuildsService, BuildSettingsService, BuildLogsService, BuildDispatcherService, BuildsResolver],
  exports: [BuildsService, BuildSettingsService, BuildLogsService, BuildDispatcherService, MODELS],
})
export class BuildsModule implements OnModuleInit {
  constructor(
    private readonly locator: ResourceLocator,
    private readonly builds: BuildsService,
  ) {}

  onModuleInit(): void {
    this.locator.register('build', (id) => this.builds.projectOf(id));
  }
}
