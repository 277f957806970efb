import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../../access/access.decorators';
import { ProjectScopeArgs } from '../../access/dto/project-scope.args';
import { Ctx } from '../../common/context/ctx.decorator';
import type { RequestContext } from '../../common/context/request-context';
import { UpdateSecuritySettingsInput } from './dto/update-security-settings.input';
import { SecuritySettings } from './models/security-settings.model';
import { SecurityService } from './security.service';

@Resolver(() => SecuritySettings)
export class SecurityResolver {
  constructor(private readonly security: SecurityService) {}

  @Query(() => SecuritySettings, { description: "A project's IP allowlist and API rate limit." })
  @RequirePermission('setting:read')
  securitySettings(@Ctx() ctx: RequestContext, @Args() args: ProjectScopeArgs): Promise<SecuritySettings> {
    return this.security.get(ctx, args.projectId);
  }

  @Mutation(() => SecuritySettings, {
    description:
      'Changes the given security settings. An allowlist that leaves out the address of this request is refused (WOULD_LOCK_OUT) unless confirmLockout is true.',
  })
  @RequirePermission('setting:update', { projectIdArg: 'input.projectId' })
  updateSecuritySettings(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateSecuritySettingsInput,
  ): Promise<SecuritySettings> {
    return this.security.update(ctx, input);
  }
}
