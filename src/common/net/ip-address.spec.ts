import { formatRange, inRange, parseAddress, parseRange } from './ip-address';

const normalized = (text: string): string | undefined => {
  const range = parseRange(text);
  return range && formatRange(range);
};

describe('parseAddress', () => {
  it('reads an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    expect(parseAddress('::ffff:203.0.113.7')?.toString()).toBe('203.0.113.7');
  });

  it('refuses IPv4 written other than as four decimal parts', () => {
    expect(['127.1', '010.0.0.1', '0x7f.0.0.1', '2130706433', '::ffff:010.0.0.1'].map(parseAddress)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('parseRange and formatRange', () => {
  it('store networks by their network address and single addresses without bits', () => {
    expect(normalized('192.168.1.77/24')).toBe('192.168.1.0/24');
    expect(normalized('203.0.113.7/32')).toBe('203.0.113.7');
    expect(normalized('203.0.113.7')).toBe('203.0.113.7');
    expect(normalized('0.0.0.0/0')).toBe('0.0.0.0/0');
  });

  it('write IPv6 in its canonical short form', () => {
    expect(normalized('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalized('2001:0db8:abcd:12ff::9/33')).toBe('2001:db8:8000::/33');
    expect(normalized('::/0')).toBe('::/0');
  });

  it('turn an IPv4-mapped network into the IPv4 network, and keep wider IPv6 networks as they are', () => {
    expect(normalized('::ffff:10.1.2.3/104')).toBe('10.0.0.0/8');
    expect(normalized('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normalized('::ffff:0:0/80')).toBe('::/80');
  });

  it('refuse what names no network', () => {
    const bad = ['', 'example.com', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/-1', '10.0.0.0/8/8', '10.0.0.0/x'];
    expect(bad.map(parseRange)).toEqual(bad.map(() => undefined));
    expect(parseRange('fe80::1%eth0')).toBeUndefined();
    expect(parseRange('010.0.0.0/8')).toBeUndefined();
  });
});

describe('inRange', () => {
  const range = (text: string) => parseRange(text)!;
  const address = (text: string) => parseAddress(text)!;

  it('matches addresses of the network and no others', () => {
    expect(inRange(address('10.200.3.4'), range('10.0.0.0/8'))).toBe(true);
    expect(inRange(address('11.0.0.1'), range('10.0.0.0/8'))).toBe(false);
    expect(inRange(address('2001:db8::42'), range('2001:db8::/32'))).toBe(true);
    expect(inRange(address('2001:db9::42'), range('2001:db8::/32'))).toBe(false);
  });

  it('matches an IPv4 peer seen through a dual-stack socket', () => {
    expect(inRange(address('::ffff:10.0.0.5'), range('10.0.0.0/8'))).toBe(true);
  });

  it('keeps the families apart', () => {
    expect(inRange(address('10.0.0.5'), range('::/0'))).toBe(false);
    expect(inRange(address('::1'), range('0.0.0.0/0'))).toBe(false);
  });
});
