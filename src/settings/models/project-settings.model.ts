import { Field, ID, ObjectType } from '@nestjs/graphql';
import { AutoscalingSettings } from './autoscaling-settings.model';
import { DeploymentPreferences } from './deployment-preferences.model';
import { FunctionDefaults } from './function-defaults.model';
import { NotificationPreferences } from './notification-preferences.model';
import { PlatformLimits } from './platform-limits.model';
import { ResourceLimits } from './resource-limits.model';

/**
 * A project's settings, group by group, defaults filled in. A group stored in `project_settings`
 * is one more field here. A group another module keeps (environment variables, domains, security)
 * joins as a field that module resolves (`@ResolveField` on a `@Resolver(() => ProjectSettings)` of
 * its own), so this class need not know it; the guard sees only `projectSettings` and its
 * `setting:read`, so such a resolver checks its own permission (`AccessService.requireAccess`).
 */
@ObjectType()
export class ProjectSettings {
  @Field(() => ID)
  projectId!: string;

  @Field(() => DeploymentPreferences)
  deployment!: DeploymentPreferences;

  @Field(() => FunctionDefaults)
  functions!: FunctionDefaults;

  @Field(() => ResourceLimits)
  limits!: ResourceLimits;

  @Field(() => AutoscalingSettings)
  autoscaling!: AutoscalingSettings;

  @Field(() => NotificationPreferences)
  notifications!: NotificationPreferences;

  @Field(() => PlatformLimits)
  platformLimits!: PlatformLimits;
}
