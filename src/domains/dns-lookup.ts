import { Injectable } from '@nestjs/common';
import { promises as dns } from 'node:dns';
import { AppConfig } from '../config/app-config';
import { DomainCheckFailure } from './domain.schema';

/** What a TXT lookup found: each record's strings joined, or why there is nothing to read. */
export type TxtLookup = { values: string[] } | { failure: DomainCheckFailure; code: string };

/** c-ares error codes, by what they say about the record. */
const FAILURES: Record<string, DomainCheckFailure> = {
  ENOTFOUND: DomainCheckFailure.RECORD_NOT_FOUND,
  ENODATA: DomainCheckFailure.NO_TXT_RECORD,
  ETIMEOUT: DomainCheckFailure.RESOLVER_TIMEOUT,
  ECANCELLED: DomainCheckFailure.RESOLVER_TIMEOUT,
  ECONNREFUSED: DomainCheckFailure.RESOLVER_UNREACHABLE,
};

/**
 * Looks TXT records up through the configured resolvers (`DNS_RESOLVERS`, else the system's),
 * within `DNS_TIMEOUT_MS`. Each lookup has a resolver of its own, so no answer is reused from a
 * cache: a record just published or removed is seen as the resolver sees it now.
 */
@Injectable()
export class DnsLookup {
  constructor(private readonly config: AppConfig) {}

  async txt(name: string): Promise<TxtLookup> {
    const timeoutMs = this.config.DNS_TIMEOUT_MS;
    // Two tries per server within the time, then the whole lookup is cut at it.
    const resolver = new dns.Resolver({ timeout: Math.max(50, Math.ceil(timeoutMs / 2)), tries: 2 });
    if (this.config.DNS_RESOLVERS.length > 0) resolver.setServers(this.config.DNS_RESOLVERS);
    const timer = setTimeout(() => resolver.cancel(), timeoutMs);
    try {
      const records = await resolver.resolveTxt(name);
      // A long TXT record comes as several strings, which together make its value.
      return { values: records.map((strings) => strings.join('')) };
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? 'UNKNOWN');
      return { failure: FAILURES[code] ?? DomainCheckFailure.RESOLVER_ERROR, code };
    } finally {
      clearTimeout(timer);
    }
  }
}
