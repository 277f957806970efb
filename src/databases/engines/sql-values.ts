/**
 * What the SQL engines' query console shares: values made safe for JSON, rows gathered within
 * the request's row and byte limits, names checked before they are quoted into DDL, and
 * messages cleared of a password before anyone sees them.
 */

/** A platform name (`db_<id>`, `u_<id>`): letters, digits and underscores only. */
const PLATFORM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Throws unless `name` is one of the platform's own server-side names (never user input). */
export function assertPlatformName(name: string, what: string): string {
  if (!PLATFORM_NAME.test(name)) throw new Error(`${what} is not a platform name`);
  return name;
}

/**
 * A value as JSON carries it without loss: non-finite numbers and bigints as strings, dates as
 * ISO strings, binary as hex with the engine's prefix (`\x` for PostgreSQL, `0x` for MariaDB),
 * arrays and objects value by value.
 */
export function jsonSafe(value: unknown, binaryPrefix: string): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return String(value);
  }
  if (Buffer.isBuffer(value)) return `${binaryPrefix}${value.toString('hex')}`;
  if (value instanceof Uint8Array) return `${binaryPrefix}${Buffer.from(value).toString('hex')}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map((item) => jsonSafe(item, binaryPrefix));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = jsonSafe(item, binaryPrefix);
  return out;
}

/**
 * Gathers rows up to `maxRows` and `maxBytes` (each row counted as its JSON, plus a separator):
 * `add` says whether another row may still be kept; once a row is refused the answer is truncated.
 */
export class RowCollector {
  readonly rows: unknown[][] = [];
  truncated = false;
  private bytes = 2;

  constructor(
    private readonly maxRows: number,
    private readonly maxBytes: number,
    private readonly binaryPrefix: string,
  ) {}

  /** Keeps the row when it fits; false once the answer is full (this row and any later are left out). */
  add(row: readonly unknown[]): boolean {
    if (this.truncated) return false;
    if (this.rows.length >= this.maxRows) {
      this.truncated = true;
      return false;
    }
    const safe = row.map((value) => jsonSafe(value, this.binaryPrefix));
    const size = Buffer.byteLength(JSON.stringify(safe)) + (this.rows.length > 0 ? 1 : 0);
    if (this.bytes + size > this.maxBytes) {
      this.truncated = true;
      return false;
    }
    this.bytes += size;
    this.rows.push(safe);
    return true;
  }

  /** Whether no more rows are kept, so reading more is pointless. */
  get full(): boolean {
    return this.truncated;
  }
}

/** `text` with every occurrence of each secret replaced, so a message can be shown or logged. */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

/** The host part of a URL, in brackets when it is an IPv6 address. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The admin URL's host name without IPv6 brackets, and its port (or the engine's default). */
export function serverAddress(adminUrl: string, defaultPort: number): { host: string; port: number } {
  const url = new URL(adminUrl);
  const host = decodeURIComponent(url.hostname.replace(/^\[|\]$/g, ''));
  return { host, port: url.port ? Number(url.port) : defaultPort };
}
