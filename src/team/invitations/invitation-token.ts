import { randomToken, sha256 } from '../../common/crypto/hashing';

/**
 * An invitation's link token: `slwi_` and 32 random bytes in base64url (43 characters). The prefix
 * lets secret scanners and people tell it apart; only its SHA-256 is stored.
 */
export const INVITATION_TOKEN_PATTERN = /^slwi_[A-Za-z0-9_-]{43}$/;

export function generateInvitationToken(): string {
  return randomToken('slwi', 32);
}

export function hashInvitationToken(token: string): string {
  return sha256(token);
}
