/** Claims of a Slipway access token (a JWT signed with HS256). */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
  email: string;
  typ: 'access';
}

/** Claims as verified: with the expiry jsonwebtoken checked and the issue time it stamped. */
export type VerifiedClaims = AccessTokenClaims & { exp: number; iat: number };
