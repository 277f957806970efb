import type { GraphQLResponse } from '../graphql-client';
import { PAGE_INFO_FIELDS, type Connection, type PageArgs, type Send } from './shared';

export interface Webhook {
  id: string;
  projectId: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  failingSince: string | null;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreatedWebhook {
  webhook: Webhook;
  secret: string;
}

export interface WebhookAttempt {
  at: string;
  statusCode: number | null;
  durationMs: number;
  responseBody: string | null;
  errorCode: string | null;
  error: string | null;
}

export type WebhookDeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  event: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttempt: WebhookAttempt | null;
  attemptHistory: WebhookAttempt[];
  finishedAt: string | null;
  createdAt: string;
}

export interface CreateWebhookInput {
  projectId: string;
  url: string;
  events: string[];
  description?: string | null;
}

export interface UpdateWebhookInput {
  id: string;
  url?: string;
  events?: string[];
  description?: string;
  enabled?: boolean;
}

const WEBHOOK_FIELDS = `id projectId url events description enabled disabledReason disabledAt failingSince
  previousSecretExpiresAt createdAt updatedAt`;
const ATTEMPT_FIELDS = 'at statusCode durationMs responseBody errorCode error';
const DELIVERY_FIELDS = `id webhookId eventId event status attempts nextAttemptAt finishedAt createdAt
  lastAttempt { ${ATTEMPT_FIELDS} } attemptHistory { ${ATTEMPT_FIELDS} }`;

export const CREATE_WEBHOOK = `mutation ($input: CreateWebhookInput!) {
  createWebhook(input: $input) { secret webhook { ${WEBHOOK_FIELDS} } } }`;
export const UPDATE_WEBHOOK = `mutation ($input: UpdateWebhookInput!) { updateWebhook(input: $input) { ${WEBHOOK_FIELDS} } }`;
export const DELETE_WEBHOOK = 'mutation ($input: WebhookRefInput!) { deleteWebhook(input: $input) }';
export const ROTATE_WEBHOOK_SECRET = `mutation ($input: RotateWebhookSecretInput!) {
  rotateWebhookSecret(input: $input) { secret webhook { ${WEBHOOK_FIELDS} } } }`;
export const TEST_WEBHOOK = `mutation ($input: WebhookRefInput!) { testWebhook(input: $input) { ${DELIVERY_FIELDS} } }`;
export const REDELIVER_WEBHOOK = `mutation ($input: RedeliverWebhookInput!) {
  redeliverWebhook(input: $input) { ${DELIVERY_FIELDS} } }`;
export const WEBHOOKS = `query ($projectId: ID!, $first: Int, $after: String) {
  webhooks(projectId: $projectId, first: $first, after: $after) {
    totalCount edges { cursor node { ${WEBHOOK_FIELDS} } } ${PAGE_INFO_FIELDS} } }`;
export const WEBHOOK = `query ($id: ID!) { webhook(id: $id) { ${WEBHOOK_FIELDS} } }`;
export const WEBHOOK_DELIVERIES = `query ($webhookId: ID!, $status: WebhookDeliveryStatus, $event: String, $first: Int, $after: String) {
  webhookDeliveries(webhookId: $webhookId, status: $status, event: $event, first: $first, after: $after) {
    totalCount edges { cursor node { ${DELIVERY_FIELDS} } } ${PAGE_INFO_FIELDS} } }`;

export interface WebhookOperations {
  create(
    token: string | undefined,
    input: CreateWebhookInput,
  ): Promise<GraphQLResponse<{ createWebhook: CreatedWebhook }>>;
  update(token: string | undefined, input: UpdateWebhookInput): Promise<GraphQLResponse<{ updateWebhook: Webhook }>>;
  delete(token: string | undefined, input: { id: string }): Promise<GraphQLResponse<{ deleteWebhook: boolean }>>;
  rotateSecret(
    token: string | undefined,
    input: { id: string; gracePeriodSeconds?: number },
  ): Promise<GraphQLResponse<{ rotateWebhookSecret: CreatedWebhook }>>;
  test(token: string | undefined, input: { id: string }): Promise<GraphQLResponse<{ testWebhook: WebhookDelivery }>>;
  redeliver(
    token: string | undefined,
    input: { deliveryId: string },
  ): Promise<GraphQLResponse<{ redeliverWebhook: WebhookDelivery }>>;
  list(
    token: string | undefined,
    args: { projectId: string } & PageArgs,
  ): Promise<GraphQLResponse<{ webhooks: Connection<Webhook> }>>;
  get(token: string | undefined, args: { id: string }): Promise<GraphQLResponse<{ webhook: Webhook }>>;
  deliveries(
    token: string | undefined,
    args: { webhookId: string; status?: WebhookDeliveryStatus; event?: string } & PageArgs,
  ): Promise<GraphQLResponse<{ webhookDeliveries: Connection<WebhookDelivery> }>>;
}

export function webhookOperations(send: Send): WebhookOperations {
  return {
    create: (token, input) => send(CREATE_WEBHOOK, { input }, token),
    update: (token, input) => send(UPDATE_WEBHOOK, { input }, token),
    delete: (token, input) => send(DELETE_WEBHOOK, { input }, token),
    rotateSecret: (token, input) => send(ROTATE_WEBHOOK_SECRET, { input }, token),
    test: (token, input) => send(TEST_WEBHOOK, { input }, token),
    redeliver: (token, input) => send(REDELIVER_WEBHOOK, { input }, token),
    list: (token, args) => send(WEBHOOKS, { ...args }, token),
    get: (token, args) => send(WEBHOOK, { ...args }, token),
    deliveries: (token, args) => send(WEBHOOK_DELIVERIES, { ...args }, token),
  };
}
