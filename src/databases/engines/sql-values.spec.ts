import { RowCollector, assertPlatformName, jsonSafe, scrub, serverAddress, urlHost } from './sql-values';

describe('jsonSafe', () => {
  it('keeps what JSON carries and turns the rest into strings', () => {
    expect(jsonSafe(null, '\\x')).toBeNull();
    expect(jsonSafe(undefined, '\\x')).toBeNull();
    expect(jsonSafe('é', '\\x')).toBe('é');
    expect(jsonSafe(1.5, '\\x')).toBe(1.5);
    expect(jsonSafe(Number.NaN, '\\x')).toBe('NaN');
    expect(jsonSafe(Number.POSITIVE_INFINITY, '\\x')).toBe('Infinity');
    expect(jsonSafe(2n ** 64n, '\\x')).toBe('18446744073709551616');
    expect(jsonSafe(Buffer.from([0, 255, 16]), '\\x')).toBe('\\x00ff10');
    expect(jsonSafe(Buffer.from([0, 255, 16]), '0x')).toBe('0x00ff10');
    expect(jsonSafe(new Date('2024-02-29T12:34:56.789Z'), '0x')).toBe('2024-02-29T12:34:56.789Z');
    expect(jsonSafe({ a: [1, Buffer.from([1])], b: { c: Number.NaN } }, '0x')).toEqual({
      a: [1, '0x01'],
      b: { c: 'NaN' },
    });
  });
});

describe('RowCollector', () => {
  it('keeps at most maxRows rows and says the answer is truncated when there were more', () => {
    const collector = new RowCollector(2, 1_000, '\\x');
    expect(collector.add([1])).toBe(true);
    expect(collector.add([2])).toBe(true);
    expect(collector.truncated).toBe(false);
    expect(collector.add([3])).toBe(false);
    expect(collector.truncated).toBe(true);
    expect(collector.full).toBe(true);
    expect(collector.rows).toEqual([[1], [2]]);
  });

  it('keeps rows while their JSON fits in maxBytes', () => {
    const collector = new RowCollector(1_000, 20, '\\x');
    expect(collector.add(['abcde'])).toBe(true); // ["abcde"] = 9 bytes + 2
    expect(collector.add(['abcdefghijk'])).toBe(false);
    expect(collector.add(['a'])).toBe(false);
    expect(collector.rows).toEqual([['abcde']]);
    expect(Buffer.byteLength(JSON.stringify(collector.rows))).toBeLessThanOrEqual(20);
    expect(collector.truncated).toBe(true);
  });

  it('counts bytes, not characters', () => {
    const collector = new RowCollector(1_000, 12, '\\x');
    expect(collector.add(['日本'])).toBe(true); // ["日本"] = 10 bytes + 2
    expect(collector.add(['x'])).toBe(false);
  });
});

describe('the other SQL helpers', () => {
  it('accepts only platform names', () => {
    expect(assertPlatformName('db_0123456789abcdef01234567', 'name')).toBe('db_0123456789abcdef01234567');
    for (const bad of ['', 'db-x', 'db x', 'a"b', "a'b", 'a`b', '1abc', 'x'.repeat(64)]) {
      expect(() => assertPlatformName(bad, 'name')).toThrow('name is not a platform name');
    }
  });

  it('removes secrets from messages', () => {
    expect(scrub('password s3cr3t! was s3cr3t!', ['s3cr3t!', undefined])).toBe('password *** was ***');
    expect(scrub('abc', ['ab'])).toBe('abc');
  });

  it('reads the address of an admin URL', () => {
    expect(serverAddress('postgresql://a:b@10.0.0.5/postgres', 5432)).toEqual({ host: '10.0.0.5', port: 5432 });
    expect(serverAddress('mysql://a:b@[::1]:3307', 3306)).toEqual({ host: '::1', port: 3307 });
    expect(urlHost('::1')).toBe('[::1]');
    expect(urlHost('db.example.com')).toBe('db.example.com');
  });
});
