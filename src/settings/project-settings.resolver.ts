import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../access/access.decorators';
import { ProjectScopeArgs } from '../access/dto/project-scope.args';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { UpdateAutoscalingSettingsInput } from './dto/update-autoscaling-settings.input';
import { UpdateDeploymentPreferencesInput } from './dto/update-deployment-preferences.input';
import { UpdateFunctionDefaultsInput } from './dto/update-function-defaults.input';
import { UpdateNotificationPreferencesInput } from './dto/update-notification-preferences.input';
import { UpdateResourceLimitsInput } from './dto/update-resource-limits.input';
import { ProjectSettings } from './models/project-settings.model';
import { ProjectSettingsService } from './project-settings.service';

const BY_INPUT_PROJECT = { projectIdArg: 'input.projectId' } as const;
const UPDATED = 'Fields left out stay as they are. Returns all of the settings as they are now.';

@Resolver(() => ProjectSettings)
export class ProjectSettingsResolver {
  constructor(private readonly service: ProjectSettingsService) {}

  @Query(() => ProjectSettings, { description: "A project's settings, group by group, defaults filled in." })
  @RequirePermission('setting:read')
  projectSettings(@Args() args: ProjectScopeArgs): Promise<ProjectSettings> {
    return this.service.get(args.projectId);
  }

  @Mutation(() => ProjectSettings, {
    description: `Sets the production branch, the auto-deploy branch patterns and whether previews are deployed. ${UPDATED}`,
  })
  @RequirePermission('setting:update', BY_INPUT_PROJECT)
  updateDeploymentPreferences(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateDeploymentPreferencesInput,
  ): Promise<ProjectSettings> {
    return this.service.updateDeploymentPreferences(ctx, input);
  }

  @Mutation(() => ProjectSettings, {
    description: `Sets what new functions get: runtime, timeout and memory, within the project's limits. ${UPDATED}`,
  })
  @RequirePermission('setting:update', BY_INPUT_PROJECT)
  updateFunctionDefaults(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateFunctionDefaultsInput,
  ): Promise<ProjectSettings> {
    return this.service.updateFunctionDefaults(ctx, input);
  }

  @Mutation(() => ProjectSettings, {
    description: `Sets the project's limits on builds and functions, within the platform's. ${UPDATED}`,
  })
  @RequirePermission('setting:update', BY_INPUT_PROJECT)
  updateResourceLimits(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateResourceLimitsInput,
  ): Promise<ProjectSettings> {
    return this.service.updateResourceLimits(ctx, input);
  }

  @Mutation(() => ProjectSettings, {
    description: `Sets how functions scale: warm instances and target concurrency. ${UPDATED}`,
  })
  @RequirePermission('setting:update', BY_INPUT_PROJECT)
  updateAutoscalingSettings(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateAutoscalingSettingsInput,
  ): Promise<ProjectSettings> {
    return this.service.updateAutoscalingSettings(ctx, input);
  }

  @Mutation(() => ProjectSettings, {
    description: `Replaces the rules saying which events notify whom, by email or webhook. ${UPDATED}`,
  })
  @RequirePermission('setting:update', BY_INPUT_PROJECT)
  updateNotificationPreferences(
    @Ctx() ctx: RequestContext,
    @Args('input') input: UpdateNotificationPreferencesInput,
  ): Promise<ProjectSettings> {
    return this.service.updateNotificationPreferences(ctx, input);
  }
}
