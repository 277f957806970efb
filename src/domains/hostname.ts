import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { DomainException, DomainExceptionReason } from './domain.exception';

/** The label under a custom domain where its owner publishes the verification record. */
export const CHALLENGE_LABEL = '_slipway-challenge';

/** Longest name DNS can carry, in its dotted form without the trailing dot (RFC 1035). */
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
/** Letters, digits and hyphens, not starting or ending with a hyphen (RFC 1123). */
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/**
 * What may appear in a hostname before it is converted. The URL host parser that converts IDNs
 * would otherwise cut `example.com/path` to `example.com`, or read `user@host` and `host:port`
 * its own way, and the caller would get a domain other than the one they typed.
 */
const NOT_IN_A_HOSTNAME = /[\s/\\?#@:%[\]*,;"'<>`|^{}]/u;

export interface Hostname {
  /** The ASCII form (IDNs as punycode), lower-case, without a trailing dot: what DNS and `Host` carry. */
  ascii: string;
  /** The same name as people read it. */
  unicode: string;
}

function invalid(input: string, why: string): DomainException {
  return new DomainException(
    DomainExceptionReason.INVALID_HOSTNAME,
    `"${input}" is not a domain Slipway can serve: ${why}`,
  );
}

/**
 * The hostname a user typed, checked and in its canonical form: syntax per RFC 1123 (labels of 1 to
 * 63 letters, digits and hyphens, at least two labels, no IP address, no wildcard), IDNs converted
 * to punycode by UTS #46 (`node:url` `domainToASCII`), lower-cased, without a trailing dot. A name
 * that is, or is under, one of `platformDomains` is refused: those names are the platform's.
 */
export function parseHostname(input: string, platformDomains: readonly string[]): Hostname {
  const shown = input.length > 80 ? `${input.slice(0, 80)}…` : input;
  const name = input.trim().replace(/\.$/, '');
  if (name === '') throw invalid(shown, 'it is empty');
  if (name.includes('*')) throw invalid(shown, 'wildcard domains are not supported; add each hostname');
  if (isIP(name) !== 0 || isIP(name.replace(/^\[(.*)\]$/, '$1')) !== 0) {
    throw invalid(shown, 'an IP address is not a domain');
  }
  if (NOT_IN_A_HOSTNAME.test(name)) {
    throw invalid(shown, 'give the hostname alone, without a scheme, port, path or spaces (e.g. www.example.com)');
  }
  const ascii = domainToASCII(name);
  if (ascii === '') throw invalid(shown, 'it is not a valid domain name (or an IDN that cannot be converted)');
  // The URL parser reads names like `127.1` or `0x7f.0.0.1` as IPv4 addresses.
  if (isIP(ascii) !== 0) throw invalid(shown, 'an IP address is not a domain');
  if (ascii.length > MAX_NAME_LENGTH) throw invalid(shown, `it is longer than ${MAX_NAME_LENGTH} characters`);
  const labels = ascii.split('.');
  if (labels.length < 2) throw invalid(shown, 'a domain has at least two labels (e.g. example.com)');
  for (const label of labels) {
    if (label.length === 0) throw invalid(shown, 'it has an empty label');
    if (label.length > MAX_LABEL_LENGTH) throw invalid(shown, `a label is longer than ${MAX_LABEL_LENGTH} characters`);
    if (!LDH_LABEL.test(label)) {
      throw invalid(shown, `"${label}" is not a valid label: letters, digits and hyphens, not at either end`);
    }
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) throw invalid(shown, 'a top-level domain is not numeric');
  // The verification record lives under the name, and must fit in DNS too.
  if (`${CHALLENGE_LABEL}.${ascii}`.length > MAX_NAME_LENGTH) {
    throw invalid(
      shown,
      `it is too long to verify: ${CHALLENGE_LABEL}.<domain> would exceed ${MAX_NAME_LENGTH} characters`,
    );
  }
  const platform = platformDomains.find((suffix) => ascii === suffix || ascii.endsWith(`.${suffix}`));
  if (platform) {
    throw new DomainException(
      DomainExceptionReason.PLATFORM_DOMAIN,
      `"${ascii}" is under ${platform}, one of the platform's own domains`,
      { platformDomain: platform },
    );
  }
  return { ascii, unicode: domainToUnicode(ascii) };
}

/**
 * The hostname a request names, when it could be a custom domain: the `Host` without its port,
 * lower-cased, without a trailing dot; undefined for IP addresses, one-label names and what is not
 * a hostname at all. Cheap: it runs on every request.
 */
export function requestHostname(host: string | undefined, platformDomains: readonly string[]): string | undefined {
  if (!host) return undefined;
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name.length > MAX_NAME_LENGTH || !name.includes('.') || isIP(name) !== 0) return undefined;
  if (!/^[a-z0-9.-]+$/.test(name)) return undefined;
  if (platformDomains.some((suffix) => name === suffix || name.endsWith(`.${suffix}`))) return undefined;
  return name;
}
