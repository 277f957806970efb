import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Keys by id, and the one new secrets are encrypted with. */
export interface KeyRing {
  current: string;
  keys: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class KeyRingError extends Error {}

/**
 * Reads `id:key,id:key` (each key 32 bytes in base64 or base64url). The current key is `current`
 * when given, else the last one listed. Messages name key ids, never keys.
 */
export function parseKeyRing(spec: string, current?: string): KeyRing {
  const keys = new Map<string, Buffer>();
  for (const entry of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    const id = colon === -1 ? '' : entry.slice(0, colon);
    if (!KEY_ID.test(id)) throw new KeyRingError('each key is written id:base64key, its id 1-32 of [A-Za-z0-9_-]');
    if (keys.has(id)) throw new KeyRingError(`key id ${id} is listed twice`);
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== 32) throw new KeyRingError(`key ${id} is not 32 bytes of base64`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new KeyRingError('no key is given');
  const chosen = current ?? [...keys.keys()].at(-1)!;
  if (!keys.has(chosen)) throw new KeyRingError(`the current key ${chosen} is not in the ring`);
  return { current: chosen, keys };
}

/** Whether a stored value is a ciphertext of this format (anything else was stored before encryption). */
export function isCiphertext(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** The id of the key a ciphertext was made with, or null for a value that is not one. */
export function keyIdOf(value: string): string | null {
  if (!isCiphertext(value)) return null;
  const end = value.indexOf(':', PREFIX.length);
  return end === -1 ? null : value.slice(PREFIX.length, end);
}

/**
 * AES-256-GCM under the current key: `enc:v1:<key id>:<base64url(iv | tag | ciphertext)>`. The
 * purpose (which field of what) is authenticated too, so a ciphertext copied into another field
 * does not decrypt there.
 */
export function encrypt(ring: KeyRing, plaintext: string, purpose: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', ring.keys.get(ring.current)!, iv);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${PREFIX}${ring.current}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

/** The plaintext of `value`; throws KeyRingError when its key is not in the ring or it was altered. */
export function decrypt(ring: KeyRing, value: string, purpose: string): string {
  const keyId = keyIdOf(value);
  if (keyId === null) throw new KeyRingError('the value is not encrypted');
  const key = ring.keys.get(keyId);
  if (!key) throw new KeyRingError(`the value is encrypted with key ${keyId}, which is not in the ring`);
  const raw = Buffer.from(value.slice(PREFIX.length + keyId.length + 1), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new KeyRingError('the value is cut short');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(purpose));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new KeyRingError(`the value does not decrypt with key ${keyId} (altered, or made for another field)`);
  }
}

/** A new random key in the form ENCRYPTION_KEYS takes. */
export function generateKey(): string {
  return randomBytes(32).toString('base64');
}
