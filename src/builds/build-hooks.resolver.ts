import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../access/access.decorators';
import { ProjectScopeArgs } from '../access/dto/project-scope.args';
import { BuildHooksService } from './build-hooks.service';
import { BuildHookRefInput } from './dto/build-hook-ref.input';
import { CreateBuildHookInput } from './dto/create-build-hook.input';
import { UpdateBuildHookInput } from './dto/update-build-hook.input';
import { BuildHook } from './models/build-hook.model';

@Resolver(() => BuildHook)
export class BuildHooksResolver {
  constructor(private readonly hooks: BuildHooksService) {}

  @Mutation(() => BuildHook, { description: 'Adds a command every build runs before or after its build command.' })
  @RequirePermission('build:update', { projectIdArg: 'input.projectId' })
  createBuildHook(@Args('input') input: CreateBuildHookInput): Promise<BuildHook> {
    return this.hooks.create(input);
  }

  @Query(() => [BuildHook], { description: "A project's build hooks, by phase and order." })
  @RequirePermission('build:read')
  buildHooks(@Args() args: ProjectScopeArgs): Promise<BuildHook[]> {
    return this.hooks.list(args.projectId);
  }

  @Mutation(() => BuildHook, { description: 'Changes the given fields of a build hook; the next build runs it so.' })
  @RequirePermission('build:update', { entity: 'buildHook', idArg: 'input.hookId' })
  updateBuildHook(@Args('input') input: UpdateBuildHookInput): Promise<BuildHook> {
    return this.hooks.update(input);
  }

  @Mutation(() => Boolean)
  @RequirePermission('build:update', { entity: 'buildHook', idArg: 'input.hookId' })
  deleteBuildHook(@Args('input') input: BuildHookRefInput): Promise<boolean> {
    return this.hooks.delete(input.hookId);
  }
}
