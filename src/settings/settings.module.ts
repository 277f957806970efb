import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../access/access.module';
import { ProjectSettingsListener } from './project-settings.listener';
import { ProjectSettingsResolver } from './project-settings.resolver';
import { ProjectSettingsRecord, ProjectSettingsSchema } from './project-settings.schema';
import { ProjectSettingsService } from './project-settings.service';

/**
 * A project's settings: deployment preferences, function defaults, resource limits, autoscaling
 * and notification preferences. Builds (and later functions and notifications) read them through
 * `ProjectSettingsService`; this module imports none of them.
 */
@Module({
  imports: [
    AccessModule,
    MongooseModule.forFeature([{ name: ProjectSettingsRecord.name, schema: ProjectSettingsSchema }]),
  ],
  providers: [ProjectSettingsService, ProjectSettingsResolver, ProjectSettingsListener],
  exports: [ProjectSettingsService],
})
export class SettingsModule {}
