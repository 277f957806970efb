import { redact, REDACTED, redactPaths } from './redact';

describe('redact', () => {
  it('replaces values under secret-looking keys at any depth', () => {
    const sut = redact({
      input: { email: 'a@b.c', password: 'hunter22222', nested: { apiKey: 'k', refreshToken: 'r' } },
    });
    expect(sut).toEqual({
      input: { email: 'a@b.c', password: REDACTED, nested: { apiKey: REDACTED, refreshToken: REDACTED } },
    });
  });

  it('cuts long strings and keeps dates readable', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    const sut = redact({ name: 'x'.repeat(2000), at }) as { name: string; at: string };
    expect(sut.name).toHaveLength(501);
    expect(sut.at).toBe('2026-01-02T03:04:05.000Z');
  });

  it('survives an Invalid Date, which a client can send before the validators refuse it', () => {
    expect(redact({ expiresAt: new Date('next tuesday') })).toEqual({ expiresAt: 'Invalid Date' });
  });

  it('bounds depth so a hostile argument cannot blow up the log', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20; i += 1) deep = { next: deep };
    expect(JSON.stringify(redact(deep))).toContain('[…]');
  });
});

describe('redactPaths', () => {
  it('replaces what each path names, through lists, and leaves the rest and the original alone', () => {
    const args = { input: { key: 'API_KEY', value: 's3cret', list: [{ value: 'a' }, { value: 'b', other: 1 }] } };
    const out = redactPaths(args, ['input.value', 'input.list.value', 'input.missing.deep']);
    expect(out).toEqual({
      input: { key: 'API_KEY', value: REDACTED, list: [{ value: REDACTED }, { value: REDACTED, other: 1 }] },
    });
    expect(args.input.value).toBe('s3cret');
  });
});
