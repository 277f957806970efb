import { allowlistAdmits, compileAllowlist, normalizeAllowlist } from './ip-allowlist';
import { SecurityException } from './security.exception';

describe('normalizeAllowlist', () => {
  it('writes each entry one way and drops entries that are the same once written so', () => {
    expect(
      normalizeAllowlist([
        ' 10.1.2.3/8 ',
        '10.0.0.0/8',
        '2001:DB8::/32',
        '2001:db8:0::/32',
        '::ffff:192.0.2.7',
        '192.0.2.7',
      ]),
    ).toEqual(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7']);
  });

  it('refuses the first entry that is not an address or a network, naming it', () => {
    let refusal: unknown;
    try {
      normalizeAllowlist(['10.0.0.0/8', 'office.example.com', '300.0.0.1']);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(SecurityException);
    expect((refusal as SecurityException).reason).toBe('INVALID_IP_RANGE');
    expect((refusal as SecurityException).details).toEqual({ entry: 'office.example.com' });
  });
});

describe('allowlistAdmits', () => {
  const sut = compileAllowlist(['10.0.0.0/8', '2001:db8::/32']);

  it('lets in addresses of the listed networks, however the socket wrote them', () => {
    expect(['10.3.4.5', '::ffff:10.3.4.5', '2001:db8:1::1'].map((ip) => allowlistAdmits(sut, ip))).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('keeps out every other address, and an address it cannot read or does not know', () => {
    expect(['11.0.0.1', '2001:db9::1', 'garbage', undefined].map((ip) => allowlistAdmits(sut, ip))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('lets everyone in when empty', () => {
    expect(allowlistAdmits([], undefined)).toBe(true);
  });
});
