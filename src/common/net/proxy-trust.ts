import { inRange, parseAddress, parseRange, type IpRange } from './ip-address';

/**
 * Whether the peer at `hop` (0: the socket's peer, 1: the one it forwarded for, …) is a proxy
 * whose `X-Forwarded-For` is believed. Express's `trust proxy` takes the same function.
 */
export type ProxyTrust = (address: string, hop: number) => boolean;

/** The names Express gives groups of private networks. */
const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/**
 * Reads the `TRUST_PROXY` setting: `false` (no proxy: the socket's peer is the client), `true`
 * (every hop: the left-most `X-Forwarded-For` address is the client, which anyone can write),
 * a number of hops, or a comma-separated list of addresses, networks and the names `loopback`,
 * `linklocal`, `uniquelocal`. Throws naming the first entry it cannot read.
 */
export function compileProxyTrust(setting: string): ProxyTrust {
  const value = setting.trim().toLowerCase();
  if (value === 'false' || value === '') return () => false;
  if (value === 'true') return () => true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  const ranges: IpRange[] = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .flatMap((entry) => {
      const named = NAMED_RANGES[entry];
      const texts = named ?? [entry];
      return texts.map((text) => {
        const range = parseRange(text);
        if (!range) throw new Error(`"${entry}" is not an address, a network (address/bits) or a named range`);
        return range;
      });
    });
  return (address) => {
    const parsed = parseAddress(address);
    return parsed !== undefined && ranges.some((range) => inRange(parsed, range));
  };
}

/**
 * The client's address, as Express's `req.ip` works it out (proxy-addr): from the socket's peer
 * towards the left of `X-Forwarded-For`, each address is the client unless it is a trusted proxy.
 * For requests Express does not see, such as WebSocket upgrades.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trust: ProxyTrust,
): string | undefined {
  if (socketAddress === undefined) return undefined;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '');
  if (header === '' || !trust(socketAddress, 0)) return socketAddress;
  const forwarded = header
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .reverse();
  let client = socketAddress;
  for (let hop = 0; hop < forwarded.length; hop += 1) {
    client = forwarded[hop]!;
    if (!trust(client, hop + 1)) break;
  }
  return client;
}
