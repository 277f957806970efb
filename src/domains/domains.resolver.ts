import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../access/access.decorators';
import { ProjectScopeArgs } from '../access/dto/project-scope.args';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { DomainChecksService } from './domain-checks.service';
import { DomainsService } from './domains.service';
import { AddDomainInput } from './dto/add-domain.input';
import { DomainIdArgs } from './dto/domain-id.args';
import { DomainRefInput } from './dto/domain-ref.input';
import { Domain } from './models/domain.model';

const BY_INPUT_DOMAIN = { entity: 'domain', idArg: 'input.domainId' } as const;

@Resolver(() => Domain)
export class DomainsResolver {
  constructor(
    private readonly service: DomainsService,
    private readonly checks: DomainChecksService,
  ) {}

  @Mutation(() => Domain, {
    description:
      'Adds a custom domain to a project, PENDING until its verificationRecord is published and verifyDomain finds it.',
  })
  @RequirePermission('domain:create', { projectIdArg: 'input.projectId' })
  addDomain(@Ctx() ctx: RequestContext, @Args('input') input: AddDomainInput): Promise<Domain> {
    return this.service.add(ctx, input);
  }

  @Mutation(() => Domain, {
    description:
      "Looks the domain's TXT record up now. The domain comes back VERIFIED, or with the reason the check failed.",
  })
  @RequirePermission('domain:verify', BY_INPUT_DOMAIN)
  verifyDomain(@Ctx() ctx: RequestContext, @Args('input') input: DomainRefInput): Promise<Domain> {
    return this.checks.verify(ctx, input.domainId);
  }

  @Mutation(() => Domain, {
    description: "Makes a verified domain the project's primary one: its other verified domains redirect to it.",
  })
  @RequirePermission('domain:update', BY_INPUT_DOMAIN)
  setPrimaryDomain(@Ctx() ctx: RequestContext, @Args('input') input: DomainRefInput): Promise<Domain> {
    return this.service.setPrimary(ctx, input.domainId);
  }

  @Mutation(() => Boolean, { description: 'Removes a custom domain; it stops serving the project at once.' })
  @RequirePermission('domain:delete', BY_INPUT_DOMAIN)
  removeDomain(@Ctx() ctx: RequestContext, @Args('input') input: DomainRefInput): Promise<boolean> {
    return this.service.remove(ctx, input.domainId);
  }

  @Query(() => [Domain], { description: "A project's custom domains, in the order they were added." })
  @RequirePermission('domain:read')
  domains(@Args() args: ProjectScopeArgs): Promise<Domain[]> {
    return this.service.list(args.projectId);
  }

  @Query(() => Domain)
  @RequirePermission('domain:read', { entity: 'domain', idArg: 'id' })
  domain(@Args() args: DomainIdArgs): Promise<Domain> {
    return this.service.get(args.id);
  }
}
