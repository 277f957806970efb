import { parseAddress, type IpAddress } from '../common/net/ip-address';
import { WebhookException, WebhookExceptionReason } from './webhook.exception';

/** Names that always mean this machine, whatever a resolver says (RFC 6761). */
const LOCAL_NAMES = /(^|\.)localhost\.?$/;

/**
 * A webhook endpoint's URL as it is stored and called: absolute http(s), no user name or password,
 * no fragment. WHATWG URL parsing normalises the host first, so `2130706433`, `0x7f.1` and
 * `017700000001` are all 127.0.0.1 here and `[::ffff:127.0.0.1]` is `[::ffff:7f00:1]`: the host
 * checked is the one connected to.
 */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid(`"${raw.slice(0, 100)}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`A webhook URL must be http or https, not ${url.protocol.slice(0, -1).slice(0, 20)}`);
  }
  if (url.username || url.password) throw invalid('A webhook URL may not carry a user name or password');
  if (!url.hostname) throw invalid('A webhook URL needs a host');
  if (LOCAL_NAMES.test(url.hostname)) {
    throw new WebhookException(
      WebhookExceptionReason.FORBIDDEN_ADDRESS,
      `${url.hostname} is this machine: webhooks may not call it`,
      { host: url.hostname, range: 'loopback' },
    );
  }
  url.hash = '';
  return url;
}

/** The address a URL's host is written as (`127.0.0.1`, `[::1]`), or undefined when it is a name. */
export function literalAddress(url: URL): IpAddress | undefined {
  return parseAddress(hostOf(url));
}

/** The host to resolve: the hostname without IPv6 brackets or a trailing dot. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname.replace(/\.$/, '');
}

function invalid(message: string): WebhookException {
  return new WebhookException(WebhookExceptionReason.INVALID_URL, message);
}
