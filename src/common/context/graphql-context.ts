import type { Request, Response } from 'express';
import type { Authentication } from './authentication';

/** What the access guard established for one operation: the project it acts on, when it acts on one. */
export interface OperationScope {
  readonly projectId?: string;
}

/**
 * The GraphQL context value of one HTTP request or one WebSocket operation, authenticated before
 * any resolver runs. Several operations (root fields) can share it; what the guard finds for each
 * is kept per operation, keyed by the operation's own resolve info, never on the shared caller.
 */
export interface GraphQLContext extends Authentication {
  req?: Request;
  res?: Response;
  /** How the operation arrived: subscriptions are served over WebSocket only. */
  transport: 'http' | 'ws';
  scopes?: Map<object, OperationScope>;
}

export function setOperationScope(context: GraphQLContext, info: object, scope: OperationScope): void {
  (context.scopes ??= new Map()).set(info, scope);
}

export function operationScopeOf(context: GraphQLContext, info: object): OperationScope {
  return context.scopes?.get(info) ?? {};
}
