import { Injectable, Logger } from '@nestjs/common';
import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { addressRefusal } from '../common/net/address-class';
import { parseAddress, type IpAddress, type IpRange } from '../common/net/ip-address';
import { AppConfig } from '../config/app-config';
import { WebhookException, WebhookExceptionReason } from './webhook.exception';
import { hostOf, literalAddress } from './webhook-url';

/**
 * The one refusal of a host name, whatever the reason: it resolves to an address webhooks may not
 * reach, or to none. Naming the address or its range, or telling the two apart, would let a caller
 * map the platform's internal DNS; only the logs say more.
 */
const NAME_REFUSAL = 'does not resolve to an address webhooks may reach: public addresses only';

/** What a refused address is called in messages: as written, IPv6 in brackets. */
const shown = (address: IpAddress): string =>
  address.kind() === 'ipv6' ? `[${address.toString()}]` : address.toString();

/**
 * Where webhooks may connect: a URL's host is resolved (through DNS_RESOLVERS when set, else the
 * system's resolver) and every address it has is checked against the forbidden ranges and
 * WEBHOOK_ALLOWED_ADDRESSES. `lookup` does the same for `node:http`, so the address a delivery
 * connects to is the very one that was checked: a name that resolved to a public address when the
 * webhook was made and to 127.0.0.1 now (DNS rebinding) is refused at delivery. An address written
 * in the URL is refused with its range; a name, with one message that says nothing of what it
 * resolves to.
 */
@Injectable()
export class WebhookAddresses {
  private readonly logger = new Logger(WebhookAddresses.name);
  private readonly allowed: readonly IpRange[];

  constructor(private readonly config: AppConfig) {
    this.allowed = config.webhookAllowedRanges;
  }

  /** Resolves the URL's host and refuses it unless every address is one webhooks may reach. */
  async check(url: URL): Promise<IpAddress[]> {
    const literal = literalAddress(url);
    if (literal) {
      this.refuseLiteral(url.hostname, literal);
      return [literal];
    }
    const host = hostOf(url);
    const addresses = await this.resolve(host);
    this.refuseName(host, addresses);
    return addresses;
  }

  /** A `lookup` for `http.request` that answers only with addresses webhooks may reach. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolve(hostname).then(
      (addresses) => {
        try {
          if (parseAddress(hostname)) this.refuseLiteral(hostname, addresses[0]!);
          else this.refuseName(hostname, addresses);
        } catch (error) {
          callback(error as Error, '', 4);
          return;
        }
        const family = (address: IpAddress): number => (address.kind() === 'ipv6' ? 6 : 4);
        const wanted = options.family ? addresses.filter((address) => family(address) === options.family) : addresses;
        if (wanted.length === 0) {
          this.logger.debug(`${hostname} has no IPv${options.family} address`);
          callback(nameRefused(hostname), '', 4);
          return;
        }
        if (options.all) {
          const all: LookupAddress[] = wanted.map((address) => ({
            address: address.toString(),
            family: family(address),
          }));
          (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, all);
        } else {
          callback(null, wanted[0]!.toString(), family(wanted[0]!));
        }
      },
      (error: Error) => callback(error, '', 4),
    );
  };

  /** Every address of `host`, IPv4-mapped ones read as IPv4. */
  private async resolve(host: string): Promise<IpAddress[]> {
    const literal = parseAddress(host);
    if (literal) return [literal];
    let found: string[];
    try {
      found =
        this.config.DNS_RESOLVERS.length > 0 ? await this.resolveWithServers(host) : await this.resolveWithSystem(host);
    } catch (error) {
      this.logger.debug(
        `${host} could not be resolved (${String((error as { code?: unknown }).code ?? (error as Error).message)})`,
      );
      throw nameRefused(host);
    }
    const addresses = found.map((text) => parseAddress(text)).filter((address) => address !== undefined);
    if (addresses.length === 0) {
      this.logger.debug(`${host} has no address`);
      throw nameRefused(host);
    }
    return addresses;
  }

  private async resolveWithSystem(host: string): Promise<string[]> {
    const results = await dns.lookup(host, { all: true, verbatim: true });
    return results.map((result) => result.address);
  }

  /** A resolver of its own per lookup, so no answer is reused: what the name means now is checked. */
  private async resolveWithServers(host: string): Promise<string[]> {
    const timeoutMs = this.config.DNS_TIMEOUT_MS;
    const resolver = new dns.Resolver({ timeout: Math.max(50, Math.ceil(timeoutMs / 2)), tries: 2 });
    resolver.setServers(this.config.DNS_RESOLVERS);
    const timer = setTimeout(() => resolver.cancel(), timeoutMs);
    try {
      const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
      const found = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
      if (found.length === 0) throw v4.status === 'rejected' ? v4.reason : new Error('no address');
      return found;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Throws FORBIDDEN_ADDRESS naming the address written in the URL and its range, unless webhooks may reach it. */
  private refuseLiteral(host: string, address: IpAddress): void {
    const range = addressRefusal(address, this.allowed);
    if (range === undefined) return;
    throw new WebhookException(
      WebhookExceptionReason.FORBIDDEN_ADDRESS,
      `${shown(address)} is a ${range} address: webhooks may reach public addresses only`,
      { host, address: address.toString(), range },
    );
  }

  /** Throws FORBIDDEN_ADDRESS, saying nothing of the addresses, when a name has one webhooks may not reach. */
  private refuseName(host: string, addresses: IpAddress[]): void {
    for (const address of addresses) {
      const range = addressRefusal(address, this.allowed);
      if (range === undefined) continue;
      this.logger.debug(`${host} resolves to ${shown(address)}, a ${range} address`);
      throw nameRefused(host);
    }
  }
}

function nameRefused(host: string): WebhookException {
  return new WebhookException(WebhookExceptionReason.FORBIDDEN_ADDRESS, `${host} ${NAME_REFUSAL}`, { host });
}
