import { randomUUID } from 'node:crypto';
import { CommonException, CommonExceptionReason } from '../errors/app.exception';

export interface ContextUser {
  id: string;
  email: string;
  /** The sign-in session the credential belongs to, when it belongs to one. */
  sessionId?: string;
}

/**
 * A machine token the caller presented. Its owner is the context's `user`; what it may do is the
 * owner's permissions narrowed to `scopes` (and to `projectId` when it is restricted to one).
 */
export interface ContextToken {
  id: string;
  /** The permissions the token is limited to, wildcards already expanded. */
  scopes: readonly string[];
  /** The one project the token may act in; absent for an account-wide token. */
  projectId?: string;
}

/** Who a verified credential stands for: a user, a machine token acting for one, or both. */
export interface Principal {
  /** The kind of credential that was verified (`access-token`, …), so it can be re-checked later. */
  credential: string;
  user?: ContextUser;
  token?: ContextToken;
  /** When the credential stops being valid (ms since epoch), for long-lived connections. */
  expiresAt?: number;
}

export interface RequestOrigin {
  ip?: string;
  userAgent?: string;
}

/**
 * Who is calling, from where, with which credential: built once per HTTP request (or per
 * WebSocket operation) by `auth/`, and passed explicitly to services. It is immutable and says
 * nothing about what the caller may do: access decisions are asked of `access/` per operation.
 */
export class RequestContext {
  // The request id and origin are worked out on first use: most requests are never audited, and
  // a UUID or a client address behind a proxy is not free on every request's path.
  #requestId: string | undefined;
  #origin: RequestOrigin | (() => RequestOrigin);
  readonly credential: string | undefined;
  readonly user: ContextUser | undefined;
  readonly token: ContextToken | undefined;
  readonly credentialExpiresAt: number | undefined;

  constructor(principal: Principal | undefined, origin: RequestOrigin | (() => RequestOrigin), requestId?: string) {
    this.credential = principal?.credential;
    this.user = principal?.user;
    this.token = principal?.token;
    this.credentialExpiresAt = principal?.expiresAt;
    this.#origin = origin;
    this.#requestId = requestId;
    Object.freeze(this);
  }

  /** The client's address (from `X-Forwarded-For` behind a trusted proxy). */
  get ip(): string | undefined {
    return this.origin().ip;
  }

  get userAgent(): string | undefined {
    return this.origin().userAgent;
  }

  /** Ties together the audit entries and log lines of one request (or WebSocket operation). */
  get requestId(): string {
    return (this.#requestId ??= randomUUID());
  }

  static anonymous(origin: RequestOrigin | (() => RequestOrigin) = {}): RequestContext {
    return new RequestContext(undefined, origin);
  }

  /** The same caller for another operation on a long-lived connection, with a request id of its own. */
  forOperation(): RequestContext {
    return new RequestContext(this.principal, this.#origin);
  }

  get principal(): Principal | undefined {
    return this.credential
      ? { credential: this.credential, user: this.user, token: this.token, expiresAt: this.credentialExpiresAt }
      : undefined;
  }

  get isAuthenticated(): boolean {
    return this.user !== undefined || this.token !== undefined;
  }

  /**
   * Who acts, as records name them: `token:<id>` when a token is presented (its owner is
   * `user`), the user's id otherwise.
   */
  get actorId(): string | undefined {
    return this.token ? `token:${this.token.id}` : this.user?.id;
  }

  private origin(): RequestOrigin {
    if (typeof this.#origin === 'function') this.#origin = this.#origin();
    return this.#origin;
  }

  /**
   * The user the caller acts for: the signed-in user, or a token's owner. Operations a token must
   * not perform at all are refused before they run (see the access guard).
   */
  requireUser(): ContextUser {
    if (!this.user) throw new CommonException(CommonExceptionReason.UNAUTHENTICATED, 'Sign in as a user to do this');
    return this.user;
  }

  /** The caller as anonymous, from the same place: what an operation sees when its credential was refused. */
  asAnonymous(): RequestContext {
    return new RequestContext(undefined, this.#origin);
  }
}
