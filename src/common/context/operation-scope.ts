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

export function setOperationScope(key: object, scope: OperationScope): void {
  scopes.set(key, scope);
}

export function operationScopeOf(key: object): OperationScope {
  return scopes.get(key) ?? {};
}
