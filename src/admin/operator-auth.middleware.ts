import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ExpiringCache } from '../common/cache/expiring-cache';
import { PROTECTIVE_HEADERS } from '../common/http/browser-pages';

export const QUEUE_DASHBOARD_REALM = 'Slipway queues';

/**
 * Sent with everything under the dashboard's path, refusals included: never cached, never framed,
 * never sniffed, no referrer. The page loads only its own scripts, styles and images; its styles
 * and images are partly inline.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  ...PROTECTIVE_HEADERS,
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; '),
};

const sha256 = (value: string | Buffer): Buffer => createHash('sha256').update(value).digest();

/** The `user:password` bytes of an `Authorization: Basic …` header; undefined for anything else. */
function basicCredential(header: string | undefined): Buffer | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64');
  return decoded.includes(0x3a) ? decoded : undefined;
}

/** The origin (scheme, host and port) the request was sent to, as `TRUST_PROXY` lets Express see it. */
function ownOrigin(req: Request): string | undefined {
  try {
    return new URL(`${req.protocol}://${req.host}`).origin;
  } catch {
    return undefined;
  }
}

function sameOrigin(origin: string, req: Request): boolean {
  let given: string;
  try {
    given = new URL(origin).origin;
  } catch {
    return false;
  }
  return given !== 'null' && given === ownOrigin(req);
}

const JSON_TYPE = /^application\/json\s*(?:;|$)/i;

/** Whether a POST, PUT or PATCH comes with a body, or says it does. */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return (
    req.headers['content-type'] !== undefined ||
    req.headers['transfer-encoding'] !== undefined ||
    (length !== undefined && length.trim() !== '0')
  );
}

/**
 * Browsers send a cached Basic credential with any request to this origin, a form another site
 * submits included, so the credential alone does not show the operator meant a change. Anything
 * but GET and HEAD passes only when the browser says it comes from this origin (`Sec-Fetch-Site`
 * absent or `same-origin`, and `Origin`, when sent, this server's own), and a body must be JSON:
 * no form or `text/plain` body another page can send without asking this server first.
 */
export function isSameOriginChange(req: Request): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  if (origin !== undefined && !sameOrigin(origin, req)) return false;
  if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody(req)) {
    return JSON_TYPE.test(req.headers['content-type'] ?? '');
  }
  return true;
}

/** How long failed sign-ins from one address are counted, and how long it waits once past the limit. */
export const SIGN_IN_FAILURE_WINDOW_MS = 15 * 60_000;

/**
 * Wrong credentials sent from each client address, in this process, for a window that starts at
 * the first of them. Once an address has sent `limit`, every request from it is refused, the
 * operator's credential included, until its window ends: otherwise a guess that hit would still
 * be told apart from the rest. Bounded: past `maxAddresses` the oldest address is forgotten.
 */
export class SignInFailures {
  private readonly counts: ExpiringCache<{ count: number; until: number }>;

  constructor(
    private readonly limit: number,
    private readonly windowMs = SIGN_IN_FAILURE_WINDOW_MS,
    maxAddresses = 10_000,
  ) {
    this.counts = new ExpiringCache(maxAddresses, windowMs);
  }

  /** Whole seconds until `address` may try again, or undefined when it may now. */
  lockedFor(address: string, now = Date.now()): number | undefined {
    const entry = this.counts.get(address, now);
    if (!entry || entry.count < this.limit) return undefined;
    return Math.max(1, Math.ceil((entry.until - now) / 1000));
  }

  record(address: string, now = Date.now()): void {
    const entry = this.counts.get(address, now);
    if (entry) {
      entry.count += 1;
      return;
    }
    const until = now + this.windowMs;
    this.counts.set(address, { count: 1, until }, this.counts.generation(), until, now);
  }
}

/**
 * Lets through only requests that carry the operator's credential as HTTP Basic. Users' access
 * tokens, API tokens and users' passwords mean nothing here: the one credential is the one in the
 * configuration. Both sides are hashed to one length and compared in constant time, so the time
 * a refusal takes tells nothing about the credential. A refusal says only that a credential is
 * needed, and neither it nor anything else here logs what was sent. With the credential, a change
 * another site could have sent is refused with 403 (`isSameOriginChange`). An address that sent
 * too many wrong credentials gets 429 with `Retry-After` (`SignInFailures`); a request with no
 * credential, as a browser's first one, does not count.
 */
export function operatorAuth(credential: { user: string; password: string }, failures: SignInFailures): RequestHandler {
  const expected = sha256(`${credential.user}:${credential.password}`);
  return (req: Request, res: Response, next: NextFunction): void => {
    res.set(DASHBOARD_HEADERS);
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const wait = failures.lockedFor(address);
    if (wait !== undefined) {
      res.status(429).set('Retry-After', String(wait)).type('text/plain').send('Too Many Requests');
      return;
    }
    const given = basicCredential(req.headers.authorization);
    // Hashing even when nothing usable was sent keeps every refusal on the same path.
    const matches = timingSafeEqual(sha256(given ?? ''), expected) && given !== undefined;
    if (matches) {
      if (!isSameOriginChange(req)) {
        res.status(403).type('text/plain').send('Forbidden');
        return;
      }
      return next();
    }
    if (given !== undefined) failures.record(address);
    res
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${QUEUE_DASHBOARD_REALM}"`)
      .type('text/plain')
      .send('Unauthorized');
  };
}
