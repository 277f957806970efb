import type { GraphQLResponse } from '../graphql-client';
import type { Send } from './shared';

export interface SecuritySettings {
  projectId: string;
  ipAllowlist: string[];
  rateLimitPerMinute: number | null;
  effectiveRateLimitPerMinute: number;
  callerAddress: string | null;
  updatedAt: string | null;
}

export interface UpdateSecuritySettingsInput {
  projectId: string;
  ipAllowlist?: string[] | null;
  rateLimitPerMinute?: number | null;
  confirmLockout?: boolean | null;
}

const SETTINGS_FIELDS = 'projectId ipAllowlist rateLimitPerMinute effectiveRateLimitPerMinute callerAddress updatedAt';

export const SECURITY_SETTINGS = `query ($projectId: ID!) { securitySettings(projectId: $projectId) { ${SETTINGS_FIELDS} } }`;
export const UPDATE_SECURITY_SETTINGS = `mutation ($input: UpdateSecuritySettingsInput!) {
  updateSecuritySettings(input: $input) { ${SETTINGS_FIELDS} }
}`;

export interface SecurityOperations {
  /** `securitySettings` */
  settings(
    token: string | undefined,
    args: { projectId: string },
  ): Promise<GraphQLResponse<{ securitySettings: SecuritySettings }>>;
  /** `updateSecuritySettings` */
  update(
    token: string | undefined,
    input: UpdateSecuritySettingsInput,
  ): Promise<GraphQLResponse<{ updateSecuritySettings: SecuritySettings }>>;
}

export function securityOperations(send: Send): SecurityOperations {
  return {
    settings: (token, args) => send(SECURITY_SETTINGS, { ...args }, token),
    update: (token, input) => send(UPDATE_SECURITY_SETTINGS, { input }, token),
  };
}
