import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { AccessService } from '../access/access.service';
import type { Permission } from '../access/permissions';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { Domain } from '../domains/models/domain.model';
import { DomainsService } from '../domains/domains.service';
import { EnvVarsService } from './env-vars/env-vars.service';
import { EnvVar } from './env-vars/models/env-var.model';
import { ProjectSettings } from './models/project-settings.model';
import { SecuritySettings } from './security/models/security-settings.model';
import { SecurityService } from './security/security.service';

/**
 * The groups of `projectSettings` kept by other modules. The guard checked `setting:read` for the
 * query; a group that needs another permission (variables, domains) checks it here, since field
 * resolvers do not pass the guard.
 */
@Resolver(() => ProjectSettings)
export class SettingsGroupsResolver {
  constructor(
    private readonly access: AccessService,
    private readonly security: SecurityService,
    private readonly variables: EnvVarsService,
    private readonly domains: DomainsService,
  ) {}

  @ResolveField(() => SecuritySettings, { description: 'The IP allowlist and the API rate limit.' })
  securitySettings(@Ctx() ctx: RequestContext, @Parent() settings: ProjectSettings): Promise<SecuritySettings> {
    return this.security.get(ctx, settings.projectId);
  }

  @ResolveField(() => [EnvVar], {
    nullable: true,
    description: 'The environment variables, secrets masked; null, with an error, without env:read.',
  })
  async envVars(@Ctx() ctx: RequestContext, @Parent() settings: ProjectSettings): Promise<EnvVar[]> {
    await this.require(ctx, 'env:read', settings.projectId);
    return (await this.variables.list(settings.projectId)).map((view) => EnvVar.from(view));
  }

  @ResolveField('domains', () => [Domain], {
    nullable: true,
    description: 'The custom domains; null, with an error, without domain:read.',
  })
  async domainsOf(@Ctx() ctx: RequestContext, @Parent() settings: ProjectSettings): Promise<Domain[]> {
    await this.require(ctx, 'domain:read', settings.projectId);
    return this.domains.list(settings.projectId);
  }

  private require(ctx: RequestContext, permission: Permission, projectId: string): Promise<void> {
    return this.access.requireAccess(ctx, permission, projectId);
  }
}
