import { AutoscalingSettings } from './models/autoscaling-settings.model';
import { DeploymentPreferences } from './models/deployment-preferences.model';
import { FunctionDefaults } from './models/function-defaults.model';
import {
  NotificationPreferences,
  NotificationRecipients,
  NotificationRule,
} from './models/notification-preferences.model';
import { PlatformLimits } from './models/platform-limits.model';
import { ProjectSettings } from './models/project-settings.model';
import { ResourceLimits } from './models/resource-limits.model';
import type { PlatformBounds } from './platform-bounds';
import type { ProjectSettingsRecord } from './project-settings.schema';

/** What a project that never set a field gets; limits not listed here default to the platform's bounds. */
export const DEFAULTS = {
  productionBranch: 'main',
  autoDeployBranches: [] as string[],
  previewDeployments: true,
  runtime: 'nodejs20',
  functionTimeoutSeconds: 10,
  functionMemoryMb: 1024,
  concurrentBuilds: 1,
  minWarmInstances: 0,
  maxWarmInstances: 1,
  targetConcurrency: 1,
} as const;

type Stored = Pick<ProjectSettingsRecord, 'deployment' | 'functions' | 'limits' | 'autoscaling' | 'notifications'>;

/**
 * A project's settings as they apply: what it stored, defaults for the rest, and every number
 * held to the bounds above it, since an operator may lower the platform's bounds after a project
 * set its values: the platform's bounds hold the project's limits, and those the function defaults.
 */
export function effectiveSettings(projectId: string, stored: Stored | null, bounds: PlatformBounds): ProjectSettings {
  const deployment = stored?.deployment;
  const functions = stored?.functions;
  const limits = stored?.limits;
  const autoscaling = stored?.autoscaling;
  const resourceLimits = Object.assign(new ResourceLimits(), {
    maxBuildTimeoutSeconds: Math.min(
      limits?.maxBuildTimeoutSeconds ?? bounds.maxBuildTimeoutSeconds,
      bounds.maxBuildTimeoutSeconds,
    ),
    maxBuildMemoryMb: Math.min(limits?.maxBuildMemoryMb ?? bounds.maxBuildMemoryMb, bounds.maxBuildMemoryMb),
    maxFunctionTimeoutSeconds: Math.min(
      limits?.maxFunctionTimeoutSeconds ?? bounds.maxFunctionTimeoutSeconds,
      bounds.maxFunctionTimeoutSeconds,
    ),
    maxFunctionMemoryMb: Math.min(
      limits?.maxFunctionMemoryMb ?? bounds.maxFunctionMemoryMb,
      bounds.maxFunctionMemoryMb,
    ),
    concurrentBuilds: Math.min(limits?.concurrentBuilds ?? DEFAULTS.concurrentBuilds, bounds.maxConcurrentBuilds),
  });
  const maxWarmInstances = Math.min(
    autoscaling?.maxWarmInstances ?? DEFAULTS.maxWarmInstances,
    bounds.maxWarmInstances,
  );
  return Object.assign(new ProjectSettings(), {
    projectId,
    deployment: Object.assign(new DeploymentPreferences(), {
      productionBranch: deployment?.productionBranch ?? DEFAULTS.productionBranch,
      autoDeployBranches: deployment?.autoDeployBranches ?? [...DEFAULTS.autoDeployBranches],
      previewDeployments: deployment?.previewDeployments ?? DEFAULTS.previewDeployments,
    }),
    functions: Object.assign(new FunctionDefaults(), {
      runtime: functions?.runtime ?? DEFAULTS.runtime,
      timeoutSeconds: Math.min(
        functions?.timeoutSeconds ?? DEFAULTS.functionTimeoutSeconds,
        resourceLimits.maxFunctionTimeoutSeconds,
      ),
      memoryMb: Math.min(functions?.memoryMb ?? DEFAULTS.functionMemoryMb, resourceLimits.maxFunctionMemoryMb),
    }),
    limits: resourceLimits,
    autoscaling: Object.assign(new AutoscalingSettings(), {
      minWarmInstances: Math.min(autoscaling?.minWarmInstances ?? DEFAULTS.minWarmInstances, maxWarmInstances),
      maxWarmInstances,
      targetConcurrency: Math.min(
        autoscaling?.targetConcurrency ?? DEFAULTS.targetConcurrency,
        bounds.maxTargetConcurrency,
      ),
    }),
    notifications: Object.assign(new NotificationPreferences(), {
      rules: (stored?.notifications?.rules ?? []).map((rule) =>
        Object.assign(new NotificationRule(), {
          event: rule.event,
          channels: [...rule.channels],
          recipients: Object.assign(new NotificationRecipients(), {
            roles: [...(rule.recipients?.roles ?? [])],
            userIds: [...(rule.recipients?.userIds ?? [])],
            emails: [...(rule.recipients?.emails ?? [])],
          }),
        }),
      ),
    }),
    platformLimits: Object.assign(new PlatformLimits(), bounds),
  });
}
