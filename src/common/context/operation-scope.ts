import type { ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';

/** What the access guard established for one operation: the project it acts on, when it acts on one. */
export interface OperationScope {
  readonly projectId?: string;
}

/**
 * Scopes are kept per operation, keyed by the object that exists once per resolver call (its
 * GraphQL resolve info; the request for plain HTTP), never on the request context that several
 * operations of a request or a WebSocket share.
 */
const scopes = new WeakMap<object, OperationScope>();

function keyOf(context: ExecutionContext): object | undefined {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getInfo<object | undefined>();
  }
  return context.switchToHttp().getRequest<object | undefined>();
}

export function setOperationScope(context: ExecutionContext, scope: OperationScope): void {
  const key = keyOf(context);
  if (key) scopes.set(key, Object.freeze({ ...scope }));
}

export function operationScopeOf(context: ExecutionContext): OperationScope {
  const key = keyOf(context);
  return (key && scopes.get(key)) ?? {};
}
