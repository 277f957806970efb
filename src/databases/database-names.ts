import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import { DatabaseException, DatabaseExceptionReason } from './database.exception';

/** The longest name users may give a database. */
export const DATABASE_NAME_MAX_LENGTH = 63;

const NAME = /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * Checks the name users give a database: 1 to 63 lower-case letters, digits and hyphens, starting
 * with a letter and not ending with a hyphen (INVALID_DATABASE_NAME). The name is only the
 * platform's label: the server never sees it.
 */
export function checkDatabaseName(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > DATABASE_NAME_MAX_LENGTH || !NAME.test(name)) {
    throw new DatabaseException(
      DatabaseExceptionReason.INVALID_DATABASE_NAME,
      `A database name is 1 to ${DATABASE_NAME_MAX_LENGTH} lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen`,
    );
  }
  return name;
}

/** The database's and its user's names on the server: the platform's own, from its id. */
export function serverNames(id: Types.ObjectId): { databaseName: string; username: string } {
  const hex = id.toHexString();
  return { databaseName: `db_${hex}`, username: `u_${hex}` };
}

/** A new password for a database's user: 24 random bytes, base64url (no character needs quoting in a URL). */
export function newDatabasePassword(): string {
  return randomBytes(24).toString('base64url');
}

/** The Redis key prefix a REDIS database's user is limited to. */
export function redisKeyPrefix(databaseName: string): string {
  return `${databaseName}:`;
}

const REDACTED = '[redacted]';

/**
 * `text` with every secret in it replaced: each of `secrets` (passwords, admin URLs and the
 * passwords inside them, also URL-encoded) and any `user:password@` of a URL. For messages that
 * may reach users or logs.
 */
export function scrub(text: string, secrets: readonly (string | undefined | null)[]): string {
  const words = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    words.add(secret);
    words.add(encodeURIComponent(secret));
    const password = passwordOf(secret);
    if (password) {
      words.add(password);
      words.add(safeDecode(password));
    }
  }
  let out = text;
  // Longest first, so a URL goes as a whole before the password inside it.
  for (const word of [...words].filter((w) => w.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.split(word).join(REDACTED);
  }
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, `$1${REDACTED}@`);
}

function passwordOf(value: string): string | null {
  try {
    const url = new URL(value);
    return url.password || null;
  } catch {
    return null;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
