import type { Client } from 'graphql-ws';
import type { GraphQLResponse } from '../graphql-client';
import { subscribeModern, type Received } from '../ws-clients';
import { PAGE_INFO_FIELDS, type Connection, type PageArgs, type Send } from './shared';

export type AlertState = 'OK' | 'PENDING' | 'FIRING' | 'RESOLVED';
export type AlertComparison = 'GT' | 'GTE' | 'LT' | 'LTE';
export type AlertSeverity = 'INFO' | 'WARNING' | 'CRITICAL';
export type AlertChannel = 'EMAIL' | 'WEBHOOK';
export type AlertNoData = 'OK' | 'ALERTING' | 'KEEP_STATE';
export type MetricAggregateName = 'SUM' | 'AVG' | 'MIN' | 'MAX' | 'COUNT' | 'STDDEV' | 'P50' | 'P95' | 'P99';

export interface AlertLabel {
  key: string;
  value: string;
}

export interface Alert {
  id: string;
  projectId: string;
  name: string;
  metric: string;
  labels: AlertLabel[];
  aggregate: MetricAggregateName;
  comparison: AlertComparison;
  threshold: number;
  recoveryThreshold: number | null;
  window: number;
  for: number;
  noData: AlertNoData;
  severity: AlertSeverity;
  channels: AlertChannel[];
  enabled: boolean;
  state: AlertState;
  stateSince: string;
  recoveringSince: string | null;
  lastValue: number | null;
  lastEvaluatedAt: string | null;
  evaluations: number;
  mutedUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AlertEvent {
  id: string;
  alertId: string;
  projectId: string;
  name: string;
  metric: string;
  from: AlertState;
  to: AlertState;
  value: number | null;
  threshold: number;
  severity: AlertSeverity;
  at: string;
  muted: boolean;
  actorId: string | null;
}

export interface CreateAlertInput {
  projectId: string;
  name: string;
  metric: string;
  labels?: AlertLabel[] | null;
  aggregate: MetricAggregateName;
  comparison: AlertComparison;
  threshold: number;
  recoveryThreshold?: number | null;
  window: number;
  for: number;
  noData?: AlertNoData;
  severity: AlertSeverity;
  channels: AlertChannel[];
  enabled?: boolean;
}

export type UpdateAlertInput = { id: string } & Partial<Omit<CreateAlertInput, 'projectId'>>;

const ALERT_FIELDS = `id projectId name metric labels { key value } aggregate comparison threshold recoveryThreshold
  window for noData severity channels enabled state stateSince recoveringSince lastValue lastEvaluatedAt evaluations
  mutedUntil createdAt updatedAt`;
const ALERT_EVENT_FIELDS = 'id alertId projectId name metric from to value threshold severity at muted actorId';

export const CREATE_ALERT = `mutation ($input: CreateAlertInput!) { createAlert(input: $input) { ${ALERT_FIELDS} } }`;
export const UPDATE_ALERT = `mutation ($input: UpdateAlertInput!) { updateAlert(input: $input) { ${ALERT_FIELDS} } }`;
export const DELETE_ALERT = `mutation ($input: AlertRefInput!) { deleteAlert(input: $input) }`;
export const MUTE_ALERT = `mutation ($input: MuteAlertInput!) { muteAlert(input: $input) { ${ALERT_FIELDS} } }`;
export const UNMUTE_ALERT = `mutation ($input: AlertRefInput!) { unmuteAlert(input: $input) { ${ALERT_FIELDS} } }`;
export const RESOLVE_ALERT = `mutation ($input: AlertRefInput!) { resolveAlert(input: $input) { ${ALERT_FIELDS} } }`;
export const ALERTS = `query ($projectId: ID!) { alerts(projectId: $projectId) { ${ALERT_FIELDS} } }`;
export const ALERT = `query ($id: ID!) { alert(id: $id) { ${ALERT_FIELDS} } }`;
export const ALERT_EVENTS = `query ($projectId: ID!, $alertId: ID, $first: Int, $after: String) {
  alertEvents(projectId: $projectId, alertId: $alertId, first: $first, after: $after) {
    totalCount edges { cursor node { ${ALERT_EVENT_FIELDS} } } ${PAGE_INFO_FIELDS}
  }
}`;
export const ALERT_EVENTS_STREAM = `subscription ($projectId: ID!) { alertEvents(projectId: $projectId) { ${ALERT_EVENT_FIELDS} } }`;

export interface AlertOperations {
  create(token: string | undefined, input: CreateAlertInput): Promise<GraphQLResponse<{ createAlert: Alert }>>;
  update(token: string | undefined, input: UpdateAlertInput): Promise<GraphQLResponse<{ updateAlert: Alert }>>;
  delete(token: string | undefined, input: { id: string }): Promise<GraphQLResponse<{ deleteAlert: boolean }>>;
  mute(token: string | undefined, input: { id: string; until: string }): Promise<GraphQLResponse<{ muteAlert: Alert }>>;
  unmute(token: string | undefined, input: { id: string }): Promise<GraphQLResponse<{ unmuteAlert: Alert }>>;
  resolve(token: string | undefined, input: { id: string }): Promise<GraphQLResponse<{ resolveAlert: Alert }>>;
  list(token: string | undefined, args: { projectId: string }): Promise<GraphQLResponse<{ alerts: Alert[] }>>;
  get(token: string | undefined, args: { id: string }): Promise<GraphQLResponse<{ alert: Alert }>>;
  events(
    token: string | undefined,
    args: { projectId: string; alertId?: string | null } & PageArgs,
  ): Promise<GraphQLResponse<{ alertEvents: Connection<AlertEvent> }>>;
}

export function alertOperations(send: Send): AlertOperations {
  return {
    create: (token, input) => send(CREATE_ALERT, { input }, token),
    update: (token, input) => send(UPDATE_ALERT, { input }, token),
    delete: (token, input) => send(DELETE_ALERT, { input }, token),
    mute: (token, input) => send(MUTE_ALERT, { input }, token),
    unmute: (token, input) => send(UNMUTE_ALERT, { input }, token),
    resolve: (token, input) => send(RESOLVE_ALERT, { input }, token),
    list: (token, args) => send(ALERTS, { ...args }, token),
    get: (token, args) => send(ALERT, { ...args }, token),
    events: (token, args) => send(ALERT_EVENTS, { ...args }, token),
  };
}

/** Streams a project's alerts firing and resolving over a graphql-ws client. */
export function subscribeAlertEvents(
  client: Client,
  args: { projectId: string },
): Received<{ alertEvents: AlertEvent }> {
  return subscribeModern(client, ALERT_EVENTS_STREAM, { ...args });
}
