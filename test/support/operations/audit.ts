import type { GraphQLResponse } from '../graphql-client';
import { PAGE_INFO_FIELDS, type Connection, type PageArgs, type Send } from './shared';

export type AuditOutcome = 'GRANTED' | 'FAILED' | 'DENIED';

export interface AuditLog {
  id: string;
  actorId: string | null;
  actorEmail: string | null;
  /** The user behind the actor: the user itself, or an API token's owner. */
  actorUserId: string | null;
  projectId: string | null;
  operation: string;
  /** The arguments as recorded, secrets redacted. */
  arguments: Record<string, any>;
  outcome: AuditOutcome;
  errorCode: string | null;
  errorReason: string | null;
  durationMs: number;
  ip: string | null;
  userAgent: string | null;
  occurredAt: string;
}

export interface AuditLogsArgs extends PageArgs {
  projectId: string;
  actorId?: string | null;
  operation?: string | null;
  /** An `AuditOutcome`; a plain string so that tests can send one the schema lacks. */
  outcome?: string | null;
  since?: string | null;
  until?: string | null;
}

export const AUDIT_LOGS = `query (
  $projectId: ID!, $actorId: ID, $operation: String, $outcome: AuditOutcome,
  $since: DateTime, $until: DateTime, $first: Int, $after: String
) {
  auditLogs(
    projectId: $projectId, actorId: $actorId, operation: $operation, outcome: $outcome,
    since: $since, until: $until, first: $first, after: $after
  ) {
    totalCount
    edges {
      cursor
      node {
        id actorId actorEmail actorUserId projectId operation arguments outcome errorCode errorReason
        durationMs ip userAgent occurredAt
      }
    }
    ${PAGE_INFO_FIELDS}
  }
}`;

export interface AuditOperations {
  /** `auditLogs`: a project's entries, newest first. */
  logs(token: string | undefined, args: AuditLogsArgs): Promise<GraphQLResponse<{ auditLogs: Connection<AuditLog> }>>;
}

export function auditOperations(send: Send): AuditOperations {
  return {
    logs: (token, args) => send(AUDIT_LOGS, { ...args }, token),
  };
}
