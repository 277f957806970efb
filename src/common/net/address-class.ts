import ipaddr from 'ipaddr.js';
import { inRange, type IpAddress, type IpRange } from './ip-address';

/** Cloud metadata services, reachable from inside a host and full of its credentials. */
const METADATA: readonly IpRange[] = [
  [ipaddr.parse('169.254.169.254'), 32],
  [ipaddr.parse('169.254.170.2'), 32],
  [ipaddr.parse('fd00:ec2::254'), 128],
];

/**
 * NAT64's local-use prefix (RFC 8215): a network's own translator, which may put the IPv4 address
 * anywhere its prefix length says (RFC 6052), so what it reaches cannot be read from the address.
 */
const NAT64_LOCAL_USE: IpRange = [ipaddr.parse('64:ff9b:1::'), 48];

/** IPv6 forms that carry an IPv4 address, and where: judged by the address they carry. */
const EMBEDDING: Readonly<Record<string, (parts: number[]) => ipaddr.IPv4>> = {
  ipv4Mapped: (parts) => v4(parts[6]!, parts[7]!),
  rfc6145: (parts) => v4(parts[6]!, parts[7]!),
  // NAT64's well-known prefix (64:ff9b::/96), which carries the address in its last 32 bits.
  rfc6052: (parts) => v4(parts[6]!, parts[7]!),
  '6to4': (parts) => v4(parts[1]!, parts[2]!),
};

function v4(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/**
 * Why a server of the platform must not connect to `address` on a user's behalf, or undefined
 * when it is an ordinary public address: the name of the range it is in (`loopback`, `private`,
 * `linkLocal`, `carrierGradeNat`, `multicast`, `unspecified`, `broadcast`, `reserved`,
 * `uniqueLocal`, `metadata`, …). IPv6 forms carrying an IPv4 address (IPv4-mapped, 6to4, NAT64)
 * are judged by the address they carry; Teredo, NAT64's local-use prefix (`64:ff9b:1::/48`) and
 * the deprecated IPv4-compatible form (`::a.b.c.d`) are refused outright, since what they reach is
 * not what they show.
 */
export function forbiddenRange(address: IpAddress): string | undefined {
  if (METADATA.some((range) => inRange(address, range))) return 'metadata';
  if (inRange(address, NAT64_LOCAL_USE)) return 'nat64LocalUse';
  if (address.kind() === 'ipv4') {
    const range = address.range();
    return range === 'unicast' ? undefined : range;
  }
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  const embedded = EMBEDDING[range];
  if (embedded) {
    const carried = forbiddenRange(embedded(v6.parts));
    return carried === undefined ? undefined : `${range} ${carried}`;
  }
  if (range !== 'unicast') return range;
  if (v6.parts.slice(0, 6).every((part) => part === 0)) return 'ipv4Compatible';
  return undefined;
}

/**
 * The refusal for `address` under an operator's allowlist: undefined when it is allowed (public,
 * or inside one of `allowed`), else the range it is in.
 */
export function addressRefusal(address: IpAddress, allowed: readonly IpRange[]): string | undefined {
  const range = forbiddenRange(address);
  if (range === undefined) return undefined;
  const plain =
    address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
      ? (address as ipaddr.IPv6).toIPv4Address()
      : address;
  return allowed.some((entry) => inRange(plain, entry)) ? undefined : range;
}
