import { createHash, randomInt } from 'node:crypto';

/**
 * The shape of an API token: `slw_` + 30 random base62 characters (about 178 bits) + 6 base62
 * characters of the CRC32 of those 30. The prefix lets secret scanners find leaked tokens and
 * the API tell them from JWTs; the checksum lets both refuse a mistyped or truncated token without
 * a database read. Only the SHA-256 of the whole token is stored.
 */
export const API_TOKEN_PREFIX = 'slw_';
export const BODY_LENGTH = 30;
export const CHECKSUM_LENGTH = 6;
export const API_TOKEN_LENGTH = API_TOKEN_PREFIX.length + BODY_LENGTH + CHECKSUM_LENGTH;
/** Characters of a token shown in lists (`slw_` + 8): enough to tell tokens apart, useless to an attacker. */
export const DISPLAY_PREFIX_LENGTH = API_TOKEN_PREFIX.length + 8;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** What might be an API token: the prefix then base62 only (refresh tokens, `slw_rt_…`, have another `_`). */
const CANDIDATE = /^slw_[0-9A-Za-z]*$/;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib computes it) of an ASCII string. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i += 1) crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** `value` in base62, left-padded with zeros to `width` characters. */
export function toBase62(value: number, width: number): string {
  let out = '';
  let rest = value;
  while (rest > 0) {
    out = BASE62[rest % 62]! + out;
    rest = Math.floor(rest / 62);
  }
  return out.padStart(width, '0');
}

export function checksumOf(body: string): string {
  return toBase62(crc32(body), CHECKSUM_LENGTH);
}

/** A new token; `randomInt` draws each character uniformly (no modulo bias). */
export function generateApiToken(): string {
  let body = '';
  for (let i = 0; i < BODY_LENGTH; i += 1) body += BASE62[randomInt(62)];
  return `${API_TOKEN_PREFIX}${body}${checksumOf(body)}`;
}

/** Whether `bearer` claims to be an API token (the prefix, base62 after it): the verifier's cheap `accepts`. */
export function looksLikeApiToken(bearer: string): boolean {
  return CANDIDATE.test(bearer);
}

/** Why a candidate is not a well-formed token (wrong length, checksum mismatch), or undefined when it is. */
export function formatProblem(token: string): string | undefined {
  if (!looksLikeApiToken(token)) return 'it does not start with slw_ followed by letters and digits';
  if (token.length !== API_TOKEN_LENGTH) {
    return `it has ${token.length} characters, not ${API_TOKEN_LENGTH}`;
  }
  const body = token.slice(API_TOKEN_PREFIX.length, API_TOKEN_PREFIX.length + BODY_LENGTH);
  if (token.slice(-CHECKSUM_LENGTH) !== checksumOf(body)) return 'its checksum does not match';
  return undefined;
}

/** What is stored and looked up: the SHA-256 of the whole token, hex. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The public start of a token, shown in lists so its owner can recognise it. */
export function displayPrefixOf(token: string): string {
  return token.slice(0, DISPLAY_PREFIX_LENGTH);
}
