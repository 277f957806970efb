import { crc32 as zlibCrc32 } from 'node:zlib';
import {
  API_TOKEN_LENGTH,
  checksumOf,
  crc32,
  displayPrefixOf,
  formatProblem,
  generateApiToken,
  hashApiToken,
  looksLikeApiToken,
  toBase62,
} from './api-token-format';

describe('API token format', () => {
  it('computes CRC-32 as zlib does', () => {
    for (const text of ['', 'a', 'slipway', 'The quick brown fox jumps over the lazy dog']) {
      expect(crc32(text)).toBe(zlibCrc32(text));
    }
    expect(crc32('123456789')).toBe(0xcbf43926);
  });

  it('writes numbers in fixed-width base62', () => {
    expect(toBase62(0, 6)).toBe('000000');
    expect(toBase62(61, 6)).toBe('00000z');
    expect(toBase62(62, 6)).toBe('000010');
    expect(toBase62(0xffffffff, 6)).toHaveLength(6);
  });

  it('generates well-formed, distinct tokens', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => generateApiToken()));
    expect(tokens.size).toBe(200);
    for (const token of tokens) {
      expect(token).toMatch(/^slw_[0-9A-Za-z]{36}$/);
      expect(token).toHaveLength(API_TOKEN_LENGTH);
      expect(formatProblem(token)).toBeUndefined();
      expect(token.slice(-6)).toBe(checksumOf(token.slice(4, 34)));
    }
  });

  it('refuses every single-character typo by its checksum', () => {
    const token = generateApiToken();
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    let refused = 0;
    for (let i = 4; i < token.length; i += 1) {
      for (const c of alphabet) {
        if (c === token[i]) continue;
        const typo = token.slice(0, i) + c + token.slice(i + 1);
        expect(formatProblem(typo)).toBe('its checksum does not match');
        refused += 1;
      }
    }
    expect(refused).toBe((token.length - 4) * 61);
  });

  it('refuses a swap of two neighbouring characters', () => {
    const token = generateApiToken();
    const i = token.split('').findIndex((c, index) => index >= 4 && index < 33 && token[index + 1] !== c);
    const swapped = token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2);
    expect(formatProblem(swapped)).toBeDefined();
  });

  it('refuses truncated, padded and foreign shapes', () => {
    const token = generateApiToken();
    expect(formatProblem(token.slice(0, -1))).toMatch(/characters/);
    expect(formatProblem(`${token}0`)).toMatch(/characters/);
    expect(formatProblem(`slw_rt_${token.slice(4)}`)).toMatch(/slw_/);
    expect(looksLikeApiToken('slw_rt_abc')).toBe(false);
    expect(looksLikeApiToken('eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBe(false);
    expect(looksLikeApiToken(token)).toBe(true);
  });

  it('hashes with SHA-256 and shows only a short prefix', () => {
    const token = generateApiToken();
    expect(hashApiToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiToken(token)).not.toBe(hashApiToken(generateApiToken()));
    expect(displayPrefixOf(token)).toBe(token.slice(0, 12));
  });
});
