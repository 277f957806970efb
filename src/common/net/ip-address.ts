import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** A network: an address and how many of its leading bits are fixed. */
export type IpRange = readonly [IpAddress, number];

/**
 * Whether `text` is written the way addresses are: IPv4 only as four decimal parts. ipaddr.js
 * also reads `127.1`, `0x7f.0.0.1` and `010.0.0.1` (octal, so 8.0.0.1), which no proxy writes and
 * which would make `010.0.0.1` in an allowlist mean something other than what it shows.
 */
function strictlyWritten(text: string): boolean {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return true;
  if (!ipaddr.IPv6.isValid(text)) return false;
  // An IPv6 address may end in an IPv4 address (`::ffff:10.0.0.1`), held to the same rule.
  const tail = text.split('%')[0]!.split(':').at(-1)!;
  return !tail.includes('.') || ipaddr.IPv4.isValidFourPartDecimal(tail);
}

/**
 * The address `text` names, or undefined when it names none. An IPv4-mapped IPv6 address
 * (`::ffff:10.0.0.1`, as a dual-stack socket reports IPv4 peers) is the IPv4 address it carries.
 */
export function parseAddress(text: string): IpAddress | undefined {
  if (!strictlyWritten(text)) return undefined;
  return ipaddr.process(text);
}

/**
 * `address/bits` or a single address (all bits fixed), or undefined when `text` is neither. An
 * IPv4-mapped network is the IPv4 network it maps (`::ffff:10.0.0.0/104` is 10.0.0.0/8), since
 * {@link parseAddress} reads mapped peers as IPv4.
 */
export function parseRange(text: string): IpRange | undefined {
  // A zone (`fe80::1%eth0`) names an interface of one machine, not a network.
  if (text.includes('%')) return undefined;
  const [addressText, bitsText, extra] = text.split('/');
  if (extra !== undefined || !strictlyWritten(addressText!)) return undefined;
  const address = ipaddr.parse(addressText!);
  const maxBits = address.kind() === 'ipv4' ? 32 : 128;
  const bits = bitsText === undefined ? maxBits : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!(bits >= 0 && bits <= maxBits)) return undefined;
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [address, bits];
}

/**
 * Whether `address` is inside `range`. Families do not mix: an IPv6 network such as `::/0` holds
 * IPv6 clients only, and IPv4 clients arrive as IPv4 (see {@link parseAddress}).
 */
export function inRange(address: IpAddress, [network, bits]: IpRange): boolean {
  return address.kind() === network.kind() && address.match(network, bits);
}

/** How a range is shown and stored: its network address (host bits cleared), `/bits` unless it is one address. */
export function formatRange([address, bits]: IpRange): string {
  const network = address.kind() === 'ipv4' ? networkOf(address, bits, 8) : networkOf(address, bits, 16);
  const text = network.kind() === 'ipv6' ? (network as ipaddr.IPv6).toRFC5952String() : network.toString();
  return bits === (network.kind() === 'ipv4' ? 32 : 128) ? text : `${text}/${bits}`;
}

function networkOf(address: IpAddress, bits: number, partBits: number): IpAddress {
  const parts = address.kind() === 'ipv4' ? (address as ipaddr.IPv4).octets : (address as ipaddr.IPv6).parts;
  const masked = parts.map((part, i) => {
    const keep = Math.max(0, Math.min(partBits, bits - i * partBits));
    const mask = keep === 0 ? 0 : (((1 << keep) - 1) << (partBits - keep)) & ((1 << partBits) - 1);
    return part & mask;
  });
  return address.kind() === 'ipv4' ? new ipaddr.IPv4(masked) : new ipaddr.IPv6(masked);
}
