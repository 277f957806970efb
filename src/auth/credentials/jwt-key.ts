import { createSecretKey, type KeyObject } from 'node:crypto';

/**
 * The HS256 key as a KeyObject. Handed a string, jsonwebtoken first tries to parse it as a
 * public key on every sign and verify, fails, and only then treats it as a secret; that failed
 * parse cost more CPU than the rest of a guarded request (see docs/benchmarks.md). The typings
 * of passport-jwt and @nestjs/jwt predate KeyObject, hence the casts where it is passed.
 */
export function jwtKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}
