import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { DomainsModule } from '../domains/domains.module';
import { EnvVarsModule } from './env-vars/env-vars.module';
import { SecurityModule } from './security/security.module';
import { SettingsGroupsResolver } from './settings-groups.resolver';
import { SettingsModule } from './settings.module';

/**
 * `projectSettings` with every group, those other modules keep included. A module of its own, so
 * that the settings builds depend on do not depend on domains (which depend on builds' output).
 */
@Module({
  imports: [AccessModule, SettingsModule, EnvVarsModule, SecurityModule, DomainsModule],
  providers: [SettingsGroupsResolver],
})
export class SettingsGroupsModule {}
