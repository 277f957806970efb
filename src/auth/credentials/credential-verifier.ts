import type { Principal } from '../../common/context/request-context';

/**
 * One kind of credential a caller can present as `Authorization: Bearer …` (or in WebSocket
 * connection params): the users' access tokens here, machine tokens from the developer-tools
 * feature later. Kinds register with the `RequestAuthenticator`, which picks the one that accepts
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
}
