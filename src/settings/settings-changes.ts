import { isBuiltInRole } from '../access/permissions';
import { canonicalId } from '../common/mongo/object-id';
import { checkBranchName, checkBranchPattern } from './branch-patterns';
import type { UpdateAutoscalingSettingsInput } from './dto/update-autoscaling-settings.input';
import type { UpdateDeploymentPreferencesInput } from './dto/update-deployment-preferences.input';
import type { UpdateFunctionDefaultsInput } from './dto/update-function-defaults.input';
import type { NotificationRuleInput } from './dto/notification-rule.input';
import type { UpdateResourceLimitsInput } from './dto/update-resource-limits.input';
import { FUNCTION_RUNTIMES, isFunctionRuntime } from './function-runtimes';
import type { ProjectSettings } from './models/project-settings.model';
import { checkEventPattern } from './notification-events';
import { checkWithin, MINIMUMS, platformCeiling, projectCeiling, type PlatformBounds } from './platform-bounds';
import {
  NotificationChannel,
  type AutoscalingSettingsRecord,
  type DeploymentPreferencesRecord,
  type FunctionDefaultsRecord,
  type NotificationRuleRecord,
  type ResourceLimitsRecord,
} from './project-settings.schema';
import { SettingsException, SettingsExceptionReason } from './settings.exception';

/*
 * What an update stores, checked against the settings as they apply now: only the fields the
 * input gives, each tidied and within its bounds. Anything wrong throws before anything is
 * stored.
 */

export function deploymentChanges(input: UpdateDeploymentPreferencesInput): DeploymentPreferencesRecord {
  const set: DeploymentPreferencesRecord = {};
  if (input.productionBranch !== undefined) set.productionBranch = checkBranchName(input.productionBranch);
  if (input.autoDeployBranches !== undefined) {
    set.autoDeployBranches = [...new Set(input.autoDeployBranches.map(checkBranchPattern))];
  }
  if (input.previewDeployments !== undefined) set.previewDeployments = input.previewDeployments;
  return set;
}

export function functionDefaultsChanges(
  current: ProjectSettings,
  input: UpdateFunctionDefaultsInput,
): FunctionDefaultsRecord {
  const set: FunctionDefaultsRecord = {};
  if (input.runtime !== undefined) {
    const runtime = input.runtime.trim();
    if (!isFunctionRuntime(runtime)) {
      throw new SettingsException(
        SettingsExceptionReason.UNKNOWN_RUNTIME,
        `"${runtime}" is not a runtime: name one of ${FUNCTION_RUNTIMES.join(', ')}`,
      );
    }
    set.runtime = runtime;
  }
  const { maxFunctionTimeoutSeconds, maxFunctionMemoryMb } = current.limits;
  if (input.timeoutSeconds !== undefined) {
    set.timeoutSeconds = checkWithin(
      'timeoutSeconds',
      input.timeoutSeconds,
      MINIMUMS.timeoutSeconds,
      projectCeiling(maxFunctionTimeoutSeconds, 'maxFunctionTimeoutSeconds'),
    );
  }
  if (input.memoryMb !== undefined) {
    set.memoryMb = checkWithin(
      'memoryMb',
      input.memoryMb,
      MINIMUMS.memoryMb,
      projectCeiling(maxFunctionMemoryMb, 'maxFunctionMemoryMb'),
    );
  }
  return set;
}

const LIMIT_CEILINGS = {
  maxBuildTimeoutSeconds: 'maxBuildTimeoutSeconds',
  maxBuildMemoryMb: 'maxBuildMemoryMb',
  maxFunctionTimeoutSeconds: 'maxFunctionTimeoutSeconds',
  maxFunctionMemoryMb: 'maxFunctionMemoryMb',
  concurrentBuilds: 'maxConcurrentBuilds',
} as const satisfies Record<keyof ResourceLimitsRecord, keyof PlatformBounds>;

/**
 * Limits within the platform's bounds. A limit below what the function defaults use is a
 * CONFLICT: lowering the defaults first says what functions will get, rather than this doing it
 * behind the caller's back.
 */
export function resourceLimitsChanges(
  current: ProjectSettings,
  input: UpdateResourceLimitsInput,
  bounds: PlatformBounds,
): ResourceLimitsRecord {
  const set: ResourceLimitsRecord = {};
  for (const [field, bound] of Object.entries(LIMIT_CEILINGS) as [keyof ResourceLimitsRecord, keyof PlatformBounds][]) {
    const value = input[field];
    if (value !== undefined) set[field] = checkWithin(field, value, MINIMUMS[field], platformCeiling(bounds[bound]));
  }
  const inUse = [
    ['maxFunctionTimeoutSeconds', set.maxFunctionTimeoutSeconds, 'timeoutSeconds', current.functions.timeoutSeconds],
    ['maxFunctionMemoryMb', set.maxFunctionMemoryMb, 'memoryMb', current.functions.memoryMb],
  ] as const;
  for (const [field, limit, defaultField, used] of inUse) {
    if (limit !== undefined && limit < used) {
      throw new SettingsException(
        SettingsExceptionReason.LIMIT_IN_USE,
        `${field} cannot be ${limit}: the function defaults' ${defaultField} is ${used}; lower it first (updateFunctionDefaults)`,
        { field, inUse: used },
      );
    }
  }
  return set;
}

export function autoscalingChanges(
  current: ProjectSettings,
  input: UpdateAutoscalingSettingsInput,
  bounds: PlatformBounds,
): AutoscalingSettingsRecord {
  const set: AutoscalingSettingsRecord = {};
  const warm = platformCeiling(bounds.maxWarmInstances);
  if (input.minWarmInstances !== undefined) {
    set.minWarmInstances = checkWithin('minWarmInstances', input.minWarmInstances, MINIMUMS.minWarmInstances, warm);
  }
  if (input.maxWarmInstances !== undefined) {
    set.maxWarmInstances = checkWithin('maxWarmInstances', input.maxWarmInstances, MINIMUMS.maxWarmInstances, warm);
  }
  if (input.targetConcurrency !== undefined) {
    set.targetConcurrency = checkWithin(
      'targetConcurrency',
      input.targetConcurrency,
      MINIMUMS.targetConcurrency,
      platformCeiling(bounds.maxTargetConcurrency),
    );
  }
  const min = set.minWarmInstances ?? current.autoscaling.minWarmInstances;
  const max = set.maxWarmInstances ?? current.autoscaling.maxWarmInstances;
  if (min > max) {
    throw new SettingsException(
      SettingsExceptionReason.MIN_ABOVE_MAX,
      `minWarmInstances (${min}) cannot be more than maxWarmInstances (${max})`,
    );
  }
  return set;
}

/**
 * A notification rule as it is stored: a known event, each channel once, recipients without
 * repeats (ids canonical, addresses lower-cased). Whether its roles and users belong to the
 * project is the service's to check.
 */
export function notificationRule(input: NotificationRuleInput): NotificationRuleRecord {
  const recipients = {
    roles: [
      ...new Set((input.recipients?.roles ?? []).map((role) => (isBuiltInRole(role) ? role : canonicalId(role)!))),
    ],
    userIds: [...new Set((input.recipients?.userIds ?? []).map((id) => canonicalId(id)!))],
    emails: [...new Set((input.recipients?.emails ?? []).map((email) => email.trim().toLowerCase()))],
  };
  const channels = [...new Set(input.channels)];
  const event = checkEventPattern(input.event);
  const nobody = recipients.roles.length + recipients.userIds.length + recipients.emails.length === 0;
  if (channels.includes(NotificationChannel.EMAIL) && nobody) {
    throw new SettingsException(
      SettingsExceptionReason.NO_RECIPIENTS,
      `The rule for ${event} sends email to no one: name roles, userIds or emails`,
    );
  }
  return { event, channels, recipients };
}
