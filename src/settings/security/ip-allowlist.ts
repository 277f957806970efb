import { formatRange, inRange, parseAddress, parseRange, type IpRange } from '../../common/net/ip-address';
import { SecurityException, SecurityExceptionReason } from './security.exception';

/** Most entries an allowlist holds. */
export const MAX_ALLOWLIST_ENTRIES = 100;

/**
 * An allowlist as it is stored: each entry an address or a network, written one way (network
 * address, canonical IPv6, IPv4-mapped networks as IPv4), duplicates dropped, in the order given.
 * Throws naming the first entry that is neither.
 */
export function normalizeAllowlist(entries: readonly string[]): string[] {
  const normalized = new Set<string>();
  for (const entry of entries) {
    const range = parseRange(entry.trim());
    if (!range) {
      throw new SecurityException(
        SecurityExceptionReason.INVALID_IP_RANGE,
        `"${entry}" is not an IPv4 or IPv6 address or network (such as 203.0.113.7, 10.0.0.0/8 or 2001:db8::/32)`,
        { entry },
      );
    }
    normalized.add(formatRange(range));
  }
  return [...normalized];
}

/** A stored allowlist, ready to match addresses against. */
export function compileAllowlist(entries: readonly string[]): IpRange[] {
  return entries.flatMap((entry) => {
    const range = parseRange(entry);
    return range ? [range] : [];
  });
}

/** Whether the list lets `ip` in: an empty list lets everyone in, an unknown address no one. */
export function allowlistAdmits(ranges: readonly IpRange[], ip: string | undefined): boolean {
  if (ranges.length === 0) return true;
  const address = ip === undefined ? undefined : parseAddress(ip);
  return address !== undefined && ranges.some((range) => inRange(address, range));
}
