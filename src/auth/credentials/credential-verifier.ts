import type { Principal, RequestContext } from '../../common/context/request-context';

/**
 * One kind of credential a caller can present as `Authorization: Bearer …` (or in WebSocket
 * connection params): the users' access tokens here, API tokens (`src/tokens/`). Kinds register with the `RequestAuthenticator`, which picks the one that accepts
 * a credential's shape.
 */
export interface CredentialVerifier {
  /** The name recorded on the request context (`access-token`, …), to find the verifier again. */
  readonly kind: string;
  /** Whether `bearer` has this kind's shape (a JWT, a prefixed token). Cheap: no I/O. */
  accepts(bearer: string): boolean;
  /** The caller `bearer` stands for; throws an `AppException` when it is not valid now. */
  verify(bearer: string): Promise<Principal>;
  /** Re-checks a caller verified earlier on a long-lived connection; throws when it no longer holds. */
  revalidate(principal: Principal): Promise<void>;
  /**
   * Told of each use of a verified credential: every HTTP request and every WebSocket operation
   * it authenticates. Must not wait on I/O (usage is counted in memory and stored in batches).
   */
  used?(ctx: RequestContext): void;
}
