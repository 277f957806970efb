import type { GraphQLResponse } from '../graphql-client';
import type { Send } from './shared';

export interface DeploymentPreferences {
  productionBranch: string;
  autoDeployBranches: string[];
  previewDeployments: boolean;
}

export interface FunctionDefaults {
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
}

export interface ResourceLimits {
  maxBuildTimeoutSeconds: number;
  maxBuildMemoryMb: number;
  maxFunctionTimeoutSeconds: number;
  maxFunctionMemoryMb: number;
  concurrentBuilds: number;
}

export interface AutoscalingSettings {
  minWarmInstances: number;
  maxWarmInstances: number;
  targetConcurrency: number;
}

export type NotificationChannel = 'EMAIL' | 'WEBHOOK';

export interface NotificationRecipients {
  roles: string[];
  userIds: string[];
  emails: string[];
}

export interface NotificationRule {
  event: string;
  channels: NotificationChannel[];
  recipients: NotificationRecipients;
}

export interface PlatformLimits {
  maxBuildTimeoutSeconds: number;
  maxBuildMemoryMb: number;
  maxFunctionTimeoutSeconds: number;
  maxFunctionMemoryMb: number;
  maxConcurrentBuilds: number;
  maxWarmInstances: number;
  maxTargetConcurrency: number;
}

export interface ProjectSettings {
  projectId: string;
  deployment: DeploymentPreferences;
  functions: FunctionDefaults;
  limits: ResourceLimits;
  autoscaling: AutoscalingSettings;
  notifications: { rules: NotificationRule[] };
  platformLimits: PlatformLimits;
}

type Update<T> = { projectId: string } & { [K in keyof T]?: T[K] | null };

export type UpdateDeploymentPreferencesInput = Update<DeploymentPreferences>;
export type UpdateFunctionDefaultsInput = Update<FunctionDefaults>;
export type UpdateResourceLimitsInput = Update<ResourceLimits>;
export type UpdateAutoscalingSettingsInput = Update<AutoscalingSettings>;
export interface NotificationRuleInput {
  event: string;
  channels: NotificationChannel[];
  recipients?: Partial<NotificationRecipients> | null;
}
export interface UpdateNotificationPreferencesInput {
  projectId: string;
  rules?: NotificationRuleInput[] | null;
}

export const PROJECT_SETTINGS_FIELDS = `projectId
  deployment { productionBranch autoDeployBranches previewDeployments }
  functions { runtime timeoutSeconds memoryMb }
  limits { maxBuildTimeoutSeconds maxBuildMemoryMb maxFunctionTimeoutSeconds maxFunctionMemoryMb concurrentBuilds }
  autoscaling { minWarmInstances maxWarmInstances targetConcurrency }
  notifications { rules { event channels recipients { roles userIds emails } } }
  platformLimits {
    maxBuildTimeoutSeconds maxBuildMemoryMb maxFunctionTimeoutSeconds maxFunctionMemoryMb
    maxConcurrentBuilds maxWarmInstances maxTargetConcurrency
  }`;

export const PROJECT_SETTINGS = `query ($projectId: ID!) { projectSettings(projectId: $projectId) { ${PROJECT_SETTINGS_FIELDS} } }`;

const update = (mutation: string, input: string) =>
  `mutation ($input: ${input}!) { ${mutation}(input: $input) { ${PROJECT_SETTINGS_FIELDS} } }`;

export const UPDATE_DEPLOYMENT_PREFERENCES = update('updateDeploymentPreferences', 'UpdateDeploymentPreferencesInput');
export const UPDATE_FUNCTION_DEFAULTS = update('updateFunctionDefaults', 'UpdateFunctionDefaultsInput');
export const UPDATE_RESOURCE_LIMITS = update('updateResourceLimits', 'UpdateResourceLimitsInput');
export const UPDATE_AUTOSCALING_SETTINGS = update('updateAutoscalingSettings', 'UpdateAutoscalingSettingsInput');
export const UPDATE_NOTIFICATION_PREFERENCES = update(
  'updateNotificationPreferences',
  'UpdateNotificationPreferencesInput',
);

export interface SettingsOperations {
  /** `projectSettings` */
  get(
    token: string | undefined,
    args: { projectId: string },
  ): Promise<GraphQLResponse<{ projectSettings: ProjectSettings }>>;
  updateDeployment(
    token: string | undefined,
    input: UpdateDeploymentPreferencesInput,
  ): Promise<GraphQLResponse<{ updateDeploymentPreferences: ProjectSettings }>>;
  updateFunctions(
    token: string | undefined,
    input: UpdateFunctionDefaultsInput,
  ): Promise<GraphQLResponse<{ updateFunctionDefaults: ProjectSettings }>>;
  updateLimits(
    token: string | undefined,
    input: UpdateResourceLimitsInput,
  ): Promise<GraphQLResponse<{ updateResourceLimits: ProjectSettings }>>;
  updateAutoscaling(
    token: string | undefined,
    input: UpdateAutoscalingSettingsInput,
  ): Promise<GraphQLResponse<{ updateAutoscalingSettings: ProjectSettings }>>;
  updateNotifications(
    token: string | undefined,
    input: UpdateNotificationPreferencesInput,
  ): Promise<GraphQLResponse<{ updateNotificationPreferences: ProjectSettings }>>;
}

export function settingsOperations(send: Send): SettingsOperations {
  return {
    get: (token, args) => send(PROJECT_SETTINGS, { ...args }, token),
    updateDeployment: (token, input) => send(UPDATE_DEPLOYMENT_PREFERENCES, { input }, token),
    updateFunctions: (token, input) => send(UPDATE_FUNCTION_DEFAULTS, { input }, token),
    updateLimits: (token, input) => send(UPDATE_RESOURCE_LIMITS, { input }, token),
    updateAutoscaling: (token, input) => send(UPDATE_AUTOSCALING_SETTINGS, { input }, token),
    updateNotifications: (token, input) => send(UPDATE_NOTIFICATION_PREFERENCES, { input }, token),
  };
}
