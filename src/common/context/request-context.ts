import { randomUUID } from 'node:crypto';

export interface ContextUser {
  id: string;
  email: string;
  sessionId: string;
  /** When the access token that authenticated a long-lived connection expires (ms since epoch). */
  tokenExpiresAt?: number;
}

export interface ContextToken {
  id: string;
  scopes: string[];
}

/**
 * Who is calling and from where, built once per request (or per WebSocket connection) and passed
 * explicitly to services. The access guard fills in the project and its permissions when an
 * operation is project-scoped.
 */
export class RequestContext {
  readonly requestId: string;
  projectId?: string;
  permissions?: ReadonlySet<string>;

  constructor(
    readonly user: ContextUser | undefined,
    readonly ip: string | undefined,
    readonly userAgent: string | undefined,
    readonly token?: ContextToken,
    requestId?: string,
  ) {
    this.requestId = requestId ?? randomUUID();
  }

  /**
   * The same caller for another operation. Operations on one WebSocket run concurrently, and the
   * guard writes the project and its permissions into the context, so each needs its own.
   */
  fork(): RequestContext {
    return new RequestContext(this.user, this.ip, this.userAgent, this.token);
  }

  static anonymous(ip?: string, userAgent?: string): RequestContext {
    return new RequestContext(undefined, ip, userAgent);
  }

  get isAuthenticated(): boolean {
    return this.user !== undefined || this.token !== undefined;
  }

  get actorId(): string | undefined {
    return this.user?.id ?? (this.token ? `token:${this.token.id}` : undefined);
  }

  /** The authenticated user; callers run behind the guard, which guarantees one. */
  requireUser(): ContextUser {
    if (!this.user) throw new Error('RequestContext.requireUser called on an anonymous context');
    return this.user;
  }
}
