import { clientAddress, compileProxyTrust } from './proxy-trust';

describe('compileProxyTrust', () => {
  it('trusts no one with false, everyone with true, and the nearest hops with a number', () => {
    expect(compileProxyTrust('false')('127.0.0.1', 0)).toBe(false);
    expect(compileProxyTrust('true')('203.0.113.7', 5)).toBe(true);
    const twoHops = compileProxyTrust('2');
    expect([twoHops('203.0.113.7', 0), twoHops('203.0.113.7', 1), twoHops('203.0.113.7', 2)]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('trusts the listed addresses, networks and named groups', () => {
    const sut = compileProxyTrust('loopback, 10.0.0.0/8, 2001:db8::5');
    expect(['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.9.9.9', '2001:db8::5'].map((a) => sut(a, 0))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['192.168.0.1', '2001:db8::6', 'not-an-address'].map((a) => sut(a, 0))).toEqual([false, false, false]);
  });

  it('names the entry it cannot read', () => {
    expect(() => compileProxyTrust('loopback, proxy.example')).toThrow('"proxy.example"');
  });
});

describe('clientAddress', () => {
  const loopback = compileProxyTrust('loopback');

  it('believes X-Forwarded-For only from a trusted peer', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.7', loopback)).toBe('203.0.113.7');
    expect(clientAddress('198.51.100.1', '203.0.113.7', loopback)).toBe('198.51.100.1');
    expect(clientAddress('127.0.0.1', '203.0.113.7', compileProxyTrust('false'))).toBe('127.0.0.1');
  });

  it('stops at the first address that is not a trusted proxy, whatever a client wrote to its left', () => {
    expect(clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.7', loopback)).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.7, 127.0.0.2', loopback)).toBe('203.0.113.7');
  });

  it('takes the socket peer when there is no header', () => {
    expect(clientAddress('127.0.0.1', undefined, loopback)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '', loopback)).toBe('127.0.0.1');
  });
});
