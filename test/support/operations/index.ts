import { accessOperations, type AccessOperations } from './access';
import { analyticsOperations, type AnalyticsOperations } from './analytics';
import { alertOperations, type AlertOperations } from './alerts';
import { auditOperations, type AuditOperations } from './audit';
import { authOperations, type AuthOperations } from './auth';
import { buildOperations, type BuildOperations } from './builds';
import { domainOperations, type DomainOperations } from './domains';
import { functionOperations, type FunctionOperations } from './functions';
import { invitationOperations, type InvitationOperations } from './invitations';
import { platformMetricOperations, type PlatformMetricOperations } from './platform-metrics';
import { projectOperations, type ProjectOperations } from './projects';
import { settingsOperations, type SettingsOperations } from './settings';
import { securityOperations, type SecurityOperations } from './security';
import { teamOperations, type TeamOperations } from './team';
import { tokenOperations, type TokenOperations } from './tokens';
import { sender } from './shared';
import { webhookOperations, type WebhookOperations } from './webhooks';

export * from './access';
export * from './analytics';
export * from './alerts';
export * from './audit';
export * from './auth';
export * from './builds';
export * from './domains';
export * from './functions';
export * from './invitations';
export * from './platform-metrics';
export * from './projects';
export * from './settings';
export * from './security';
export * from './team';
export * from './tokens';
export * from './webhooks';
export type { Connection, PageArgs, PageInfo } from './shared';

/** Every operation of the API, each sent over real HTTP to one API url. */
export interface Operations {
  auth: AuthOperations;
  projects: ProjectOperations;
  access: AccessOperations;
  audit: AuditOperations;
  builds: BuildOperations;
  domains: DomainOperations;
  functions: FunctionOperations;
  settings: SettingsOperations;
  security: SecurityOperations;
  tokens: TokenOperations;
  webhooks: WebhookOperations;
  team: TeamOperations;
  invitations: InvitationOperations;
  analytics: AnalyticsOperations;
  alerts: AlertOperations;
  platformMetrics: PlatformMetricOperations;
  /** The same operations, sending `headers` on every request as well. */
  withHeaders(headers: Record<string, string>): Operations;
}

/**
 * Binds the API's operations to `url`, e.g. `operations(api.url).access.assignRole(token, input)`.
 * Each resolves with the raw response, so a test can assert on its errors as well as its data.
 */
export function operations(url: string, headers: Record<string, string> = {}): Operations {
  const send = sender(url, headers);
  return {
    auth: authOperations(send),
    projects: projectOperations(send),
    access: accessOperations(send),
    audit: auditOperations(send),
    builds: buildOperations(send),
    domains: domainOperations(send),
    functions: functionOperations(send),
    settings: settingsOperations(send),
    security: securityOperations(send),
    tokens: tokenOperations(send),
    webhooks: webhookOperations(send),
    team: teamOperations(send),
    invitations: invitationOperations(send),
    analytics: analyticsOperations(send),
    alerts: alertOperations(send),
    platformMetrics: platformMetricOperations(send),
    withHeaders: (extra) => operations(url, { ...headers, ...extra }),
  };
}

/**
 * Types input the schema forbids (a number for a string, a missing or unknown field) as `T`, so
 * that a test can send it and see the server, not the compiler, refuse it.
 */
export function unchecked<T>(input: unknown): T {
  return input as T;
}
