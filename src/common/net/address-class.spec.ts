import ipaddr from 'ipaddr.js';
import { addressRefusal, forbiddenRange } from './address-class';
import { parseRange, type IpRange } from './ip-address';

const range = (text: string): string | undefined => forbiddenRange(ipaddr.parse(text));

describe('forbiddenRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['169.254.1.1', 'linkLocal'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'ipv4Mapped loopback'],
    ['::ffff:7f00:1', 'ipv4Mapped loopback'],
    ['::ffff:169.254.169.254', 'ipv4Mapped metadata'],
    ['::ffff:10.0.0.1', 'ipv4Mapped private'],
    ['2002:7f00:1::', '6to4 loopback'],
    ['2002:a9fe:a9fe::1', '6to4 metadata'],
    ['64:ff9b::a00:1', 'rfc6052 private'],
    ['64:ff9b:1::808:808', 'nat64LocalUse'],
    ['64:ff9b:1::a00:1', 'nat64LocalUse'],
    ['64:ff9b:1:a00:1::', 'nat64LocalUse'],
    ['64:ff9b:1:ffff:ffff:ffff:ffff:ffff', 'nat64LocalUse'],
    ['2001::1', 'teredo'],
    ['2001:db8::1', 'reserved'],
    ['::7f00:1', 'ipv4Compatible'],
    ['::808:808', 'ipv4Compatible'],
  ])('refuses %s (%s)', (address, expected) => {
    expect(range(address)).toBe(expected);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '169.255.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '2002:808:808::1',
    '64:ff9b::808:808',
  ])('allows the public address %s', (address) => {
    expect(range(address)).toBeUndefined();
  });
});

describe('addressRefusal', () => {
  const allowed: IpRange[] = [parseRange('127.0.0.7')!, parseRange('10.20.0.0/16')!];

  it('lets through exactly what the operator allowed', () => {
    expect(addressRefusal(ipaddr.parse('127.0.0.7'), allowed)).toBeUndefined();
    expect(addressRefusal(ipaddr.parse('::ffff:127.0.0.7'), allowed)).toBeUndefined();
    expect(addressRefusal(ipaddr.parse('10.20.9.9'), allowed)).toBeUndefined();
    expect(addressRefusal(ipaddr.parse('127.0.0.1'), allowed)).toBe('loopback');
    expect(addressRefusal(ipaddr.parse('10.21.0.1'), allowed)).toBe('private');
    expect(addressRefusal(ipaddr.parse('::1'), allowed)).toBe('loopback');
  });

  it("lets through NAT64's local-use prefix only where the operator allowed it", () => {
    expect(addressRefusal(ipaddr.parse('64:ff9b:1::808:808'), allowed)).toBe('nat64LocalUse');
    expect(addressRefusal(ipaddr.parse('64:ff9b:1::808:808'), [parseRange('64:ff9b:1::/48')!])).toBeUndefined();
    // Just outside it, the well-known prefix is judged by the address it carries.
    expect(addressRefusal(ipaddr.parse('64:ff9b::808:808'), [])).toBeUndefined();
    expect(addressRefusal(ipaddr.parse('64:ff9b:2::1'), [])).toBeUndefined();
  });

  it('needs no allowlist for public addresses', () => {
    expect(addressRefusal(ipaddr.parse('8.8.4.4'), [])).toBeUndefined();
  });
});
