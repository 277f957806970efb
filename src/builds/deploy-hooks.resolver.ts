import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../access/access.decorators';
import { ProjectScopeArgs } from '../access/dto/project-scope.args';
import { DeployHooksService } from './deploy-hooks.service';
import { CreateDeployHookInput } from './dto/create-deploy-hook.input';
import { DeployHookRefInput } from './dto/deploy-hook-ref.input';
import { DeployHook } from './models/deploy-hook.model';

@Resolver(() => DeployHook)
export class DeployHooksResolver {
  constructor(private readonly hooks: DeployHooksService) {}

  @Mutation(() => DeployHook, {
    description: 'Makes a secret URL that builds `branch` when it receives a POST; its `url` is shown only now.',
  })
  @RequirePermission('build:update', { projectIdArg: 'input.projectId' })
  createDeployHook(@Args('input') input: CreateDeployHookInput): Promise<DeployHook> {
    return this.hooks.create(input);
  }

  @Query(() => [DeployHook])
  @RequirePermission('build:read')
  deployHooks(@Args() args: ProjectScopeArgs): Promise<DeployHook[]> {
    return this.hooks.list(args.projectId);
  }

  @Mutation(() => Boolean)
  @RequirePermission('build:update', { entity: 'deployHook', idArg: 'input.hookId' })
  deleteDeployHook(@Args('input') input: DeployHookRefInput): Promise<boolean> {
    return this.hooks.delete(input.hookId);
  }
}
