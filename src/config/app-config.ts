import { plainToInstance, Transform } from 'class-transformer';
import { isIP } from 'node:net';
import {
  getMetadataStorage,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  ValidateIf,
  validateSync,
  type ValidationArguments,
} from 'class-validator';
import { parseKeyRing } from '../common/crypto/key-ring';
import { parseRange, type IpRange } from '../common/net/ip-address';
import { compileProxyTrust, type ProxyTrust } from '../common/net/proxy-trust';
import { parseDatabaseHosts, type DatabaseHosts } from './database-hosts';
import { parseDuration, parseDurationList } from './durations';

export const PROCESS_ROLES = ['api', 'worker', 'all'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];
export const NODE_ENVS = ['development', 'production', 'test'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return value;
};
/** `on`/`off` keys read as the boolean keys are (`on`, `true`, `yes`, `1` and their opposites, any case). */
const toOnOff = (params: { value: unknown }): unknown => {
  const flag = toBool(params);
  return typeof flag === 'boolean' ? (flag ? 'on' : 'off') : flag;
};
const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;
/** A list of domain names, lower-cased and without a trailing dot. */
const toDomainList = (params: { value: unknown }): unknown => {
  const list = toList(params);
  return Array.isArray(list) ? list.map((name: string) => name.toLowerCase().replace(/\.$/, '')) : list;
};

/**
 * A DNS server as `node:dns` takes it: an IPv4 or IPv6 address, optionally with a port
 * (`192.0.2.53:5353`, `[2001:db8::53]:5353`).
 */
export function isResolverAddress(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (isIP(value) !== 0) return true;
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  if (!match) return false;
  const port = Number(match[3]);
  const host = match[1] ?? match[2]!;
  return port >= 1 && port <= 65535 && (match[1] ? isIP(host) === 6 : isIP(host) === 4);
}

function IsResolverAddressList(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isResolverAddressList',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `${String(propertyName)} must be a comma-separated list of IP addresses, each optionally with :port ([ipv6]:port)`,
      },
      validator: {
        validate: (value: unknown): boolean => Array.isArray(value) && value.every(isResolverAddress),
      },
    });
}

/**
 * The value is at least that of another key: a ceiling no tighter than the limit under it. Says
 * nothing when the other key is not a number, which its own validation reports.
 */
function IsAtLeast(other: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isAtLeast',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [other],
      options: { message: `${String(propertyName)} must not be less than ${other}` },
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const floor = (args.object as Record<string, unknown>)[other];
          return typeof value !== 'number' || typeof floor !== 'number' || value >= floor;
        },
      },
    });
}

/**
 * A number of days longer than WEBHOOK_RETRY_SCHEDULE spans with every pause at its longest (a
 * fifth over), so an event is kept as long as its deliveries are tried. Says nothing when the
 * schedule does not parse, which its own validation reports.
 */
function OutlastsWebhookRetries(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'outlastsWebhookRetries',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `${String(propertyName)} must be longer than WEBHOOK_RETRY_SCHEDULE spans (each pause a fifth longer)`,
      },
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const schedule = parseDurationList(String((args.object as AppConfig).WEBHOOK_RETRY_SCHEDULE));
          if (typeof value !== 'number' || !schedule) return true;
          return value * 86_400_000 > 1.2 * schedule.reduce((sum, ms) => sum + ms, 0);
        },
      },
    });
}

/** ENCRYPTION_KEYS parses as a key ring whose current key (ENCRYPTION_KEY_CURRENT) is in it. */
function IsKeyRing(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isKeyRing',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {},
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          // A missing value is IsString's to report.
          if (typeof value !== 'string') return true;
          try {
            parseKeyRing(String(value), (args.object as AppConfig).ENCRYPTION_KEY_CURRENT);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage(args: ValidationArguments): string {
          try {
            parseKeyRing(String(args.value), (args.object as AppConfig).ENCRYPTION_KEY_CURRENT);
            return '';
          } catch (error) {
            return `ENCRYPTION_KEYS: ${(error as Error).message}`;
          }
        },
      },
    });
}

/** DATABASE_HOSTS parses (`parseDatabaseHosts`); the message says what is wrong, never quoting a URL. */
function IsDatabaseHosts(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDatabaseHosts',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {},
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string') return true;
          try {
            parseDatabaseHosts(value);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage(args: ValidationArguments): string {
          try {
            parseDatabaseHosts(String(args.value));
            return '';
          } catch (error) {
            return `DATABASE_HOSTS ${(error as Error).message}`;
          }
        },
      },
    });
}

/** A `TRUST_PROXY` value `compileProxyTrust` can read; its message names the entry it cannot. */
function IsProxyTrust(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isProxyTrust',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments) => {
          try {
            compileProxyTrust(String(args.value));
            return '';
          } catch (error) {
            return `${String(propertyName)}: ${(error as Error).message}; use false, true, a number of hops, or a comma-separated list of addresses, networks, loopback, linklocal and uniquelocal`;
          }
        },
      },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string') return false;
          try {
            compileProxyTrust(value);
            return true;
          } catch {
            return false;
          }
        },
      },
    });
}

/** A value `parse` reads (a duration, a list of them, a list of networks); the message says what is wanted. */
function IsParsedBy(parse: (value: string) => unknown, wanted: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isParsedBy',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `${String(propertyName)} must be ${wanted}` },
      validator: {
        validate: (value: unknown): boolean => typeof value === 'string' && parse(value) !== undefined,
      },
    });
}

/** Every entry of a comma-separated list of addresses and networks, or undefined when one is neither. */
function parseRangeList(value: string): IpRange[] | undefined {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const ranges = entries.map(parseRange);
  return ranges.every((range) => range !== undefined) ? (ranges as IpRange[]) : undefined;
}

/** INVITATION_LINK_BASE when unset: a development server's address, warned about in production. */
export const DEFAULT_INVITATION_LINK_BASE = 'http://localhost:3000/invitations/accept?token=';

/**
 * Every configuration key the process reads. Values come from the environment once, at boot;
 * the rest of the code receives this object by injection and never reads `process.env`.
 */
export class AppConfig {
  @IsIn(NODE_ENVS)
  NODE_ENV: NodeEnv = 'development';

  @IsIn(PROCESS_ROLES)
  PROCESS_ROLE: ProcessRole = 'all';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @Matches(/^mongodb(\+srv)?:\/\/.+/, { message: 'MONGODB_URI must be a mongodb:// or mongodb+srv:// URI' })
  MONGODB_URI!: string;

  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL!: string;

  /**
   * How long a request waits for MongoDB before failing with SERVICE_UNAVAILABLE: finding a
   * server, connecting, and noticing that a connected server stopped answering.
   */
  @Transform(toInt)
  @IsInt()
  @Min(200)
  @Max(120_000)
  MONGODB_TIMEOUT_MS = 5_000;

  /** How long a Redis command may take (down or stalled) before the request fails with SERVICE_UNAVAILABLE. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  REDIS_TIMEOUT_MS = 2_000;

  /** Prefix for every Redis key the process writes (queues, pub/sub channels, rate limits). */
  @Matches(/^[a-zA-Z0-9:_-]{1,64}$/, { message: 'REDIS_PREFIX must be 1-64 of [a-zA-Z0-9:_-]' })
  REDIS_PREFIX = 'slipway';

  /** HMAC secret for access tokens; required outside development and test. */
  @ValidateIf((c: AppConfig) => c.NODE_ENV === 'production' || c.JWT_SECRET !== undefined)
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(86_400)
  JWT_ACCESS_TTL_SECONDS = 900;

  /**
   * The keys secrets are encrypted with at rest: `id:base64key,…`, each key 32 bytes. Required in
   * production; elsewhere a development key is generated once under STORAGE_DIR.
   */
  @ValidateIf((c: AppConfig) => c.NODE_ENV === 'production' || c.ENCRYPTION_KEYS !== undefined)
  @IsString({ message: 'ENCRYPTION_KEYS is required in production' })
  @IsKeyRing()
  ENCRYPTION_KEYS?: string;

  /** The id of the key new secrets are encrypted with; the last key listed when unset. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'ENCRYPTION_KEY_CURRENT must be a key id' })
  ENCRYPTION_KEY_CURRENT?: string;

  @Transform(toInt)
  @IsInt()
  @Min(300)
  @Max(31_536_000)
  REFRESH_TOKEN_TTL_SECONDS = 30 * 86_400;

  /** Serve the GraphQL IDE at GET /graphql. Defaults to on, except in production. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  GRAPHQL_IDE?: boolean;

  /** Serve GraphQL Playground at GET /playground. Defaults to on, except in production. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  GRAPHQL_PLAYGROUND?: boolean;

  /** Deepest field nesting an operation may have; fragments add no depth of their own. */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(50)
  GRAPHQL_MAX_DEPTH = 12;

  /** Aliased fields one operation may have (`__typename` excepted), so one request cannot ask for the work of many. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  GRAPHQL_MAX_ALIASES = 15;

  /** Tokens a document may have; a longer one is refused while it is being read. */
  @Transform(toInt)
  @IsInt()
  @Min(200)
  @Max(100_000)
  GRAPHQL_MAX_TOKENS = 1000;

  /** Directives (`@include`, `@skip`, …) one operation may carry. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  GRAPHQL_MAX_DIRECTIVES = 50;

  /**
   * Largest cost of an operation's shape: a leaf field costs 1, an object 2, each nesting level
   * weighs 1.5 times the one above, and a page size written in the document multiplies its page.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(10_000_000)
  GRAPHQL_MAX_COST = 20_000;

  /**
   * Most list items an operation may ask for: the page sizes (`first`) of its lists added up,
   * nested ones multiplied. A page size passed in a variable counts as the largest allowed.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(1_000_000)
  GRAPHQL_MAX_LIST_ITEMS = 1000;

  /** Suggest field, argument and type names in errors. Defaults to on where introspection is. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  GRAPHQL_FIELD_SUGGESTIONS?: boolean;

  /** Allowed browser origins; `*` allows any origin without credentials. */
  @Transform(toList)
  @IsString({ each: true })
  CORS_ORIGINS: string[] = [];

  /**
   * Which peers are proxies whose `X-Forwarded-For` is believed, so that client addresses (the
   * audit log, sign-in limits, IP allowlists, rate limits) are the clients' and not the proxy's.
   */
  @IsProxyTrust()
  TRUST_PROXY = 'loopback';

  /**
   * Sign-in attempts per minute for one account from one address: the tight limit on guessing,
   * which a stranger elsewhere cannot spend for the account's owner.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_ATTEMPTS_PER_MINUTE = 10;

  /** Sign-in attempts per minute for one account from all addresses together: stops a distributed attack. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  @IsAtLeast('LOGIN_ATTEMPTS_PER_MINUTE')
  LOGIN_ATTEMPTS_PER_MINUTE_PER_ACCOUNT = 100;

  /** Sign-in attempts per minute from one address, whatever the accounts. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOGIN_ATTEMPTS_PER_MINUTE_PER_IP = 50;

  /** Accounts one IP address may create per hour; sign-up also tells whether an email is taken. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  REGISTRATIONS_PER_HOUR_PER_IP = 30;

  /**
   * API operations (GraphQL root fields, subscriptions included) one caller may start per window:
   * a user, or an address when nobody is signed in. Projects may set their own limit for
   * operations on them, between API_RATE_LIMIT_MIN and API_RATE_LIMIT_MAX.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  API_RATE_LIMIT_PER_MINUTE = 600;

  /** The lowest limit a project may set for operations on it. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  API_RATE_LIMIT_MIN = 10;

  /** The highest limit a project may set for operations on it. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  @IsAtLeast('API_RATE_LIMIT_MIN')
  API_RATE_LIMIT_MAX = 6_000;

  /**
   * How long a rate-limit window lasts; a caller's window starts at its first operation. The limits
   * are per minute at the default of 60; shorter windows are for tests.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  API_RATE_LIMIT_WINDOW_SECONDS = 60;

  /** How long a live subscription trusts its last access check before checking again. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300)
  LIVE_STREAM_RECHECK_SECONDS = 5;

  /**
   * Audit entries kept in memory while MongoDB cannot store them. When full, mutations are refused
   * with SERVICE_UNAVAILABLE (none is acknowledged without its entry) and denied attempts past it
   * are counted and logged as lost.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(1_000_000)
  AUDIT_MAX_PENDING = 50_000;

  /** Projects one user may own at a time. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  PROJECTS_PER_USER = 100;

  /**
   * `on`: users' code (build steps) runs in a bubblewrap sandbox, and a worker that cannot build one
   * refuses to run it. `off`: it runs as plain child processes, without isolation.
   */
  @IsIn(['on', 'off'])
  SANDBOX: 'on' | 'off' = 'on';

  /**
   * Where deployments' files are kept. Every API process serves them and every worker writes them,
   * so processes on several machines need it on shared storage.
   */
  @IsString()
  @MinLength(1)
  STORAGE_DIR = '.data/storage';

  /**
   * Where the function runtimes the setup step installs live (Node.js, Go and Python versions the
   * system lacks); the sandbox's users must be able to read it.
   */
  @IsString()
  @MinLength(1)
  FUNCTION_RUNTIMES_DIR = '.runtimes';

  /** Whether build settings may name a repository on this machine's disk (a path or file://). */
  @Transform(toBool)
  @IsBoolean()
  ALLOW_LOCAL_REPOSITORIES = false;

  /** Builds one worker process runs at once. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  BUILD_CONCURRENCY = 2;

  /**
   * Megabytes the build cache (under STORAGE_DIR) may hold over all projects; past it, the entries
   * used longest ago are removed first.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  BUILD_CACHE_MAX_MB = 10_240;

  /**
   * Pre-started, unassigned runtime processes each API and worker process keeps per runtime, network
   * mode and memory size in use, so that a cold start only loads the function's handler. 0 turns
   * them off (each cold start then starts a process).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(16)
  FUNCTION_SPARE_PROCESSES = 1;

  /** Seconds a warm function instance lives without an invocation (beyond its minimum warm instances). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  FUNCTION_IDLE_SECONDS = 300;

  /** Instances one function version may have at once in one process, unless the function says fewer. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000)
  FUNCTION_MAX_CONCURRENCY = 10;

  /** Asynchronous invocations (queued, cron, events) one worker process runs at once. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  FUNCTION_WORKER_CONCURRENCY = 8;

  /** Largest event (payload) an invocation takes, as JSON, in bytes. */
  @Transform(toInt)
  @IsInt()
  @Min(1_024)
  @Max(64 * 1024 * 1024)
  FUNCTION_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

  /** Largest result a handler may return, as JSON, in bytes; a larger one fails the invocation. */
  @Transform(toInt)
  @IsInt()
  @Min(1_024)
  @Max(64 * 1024 * 1024)
  FUNCTION_MAX_RESULT_BYTES = 6 * 1024 * 1024;

  /** Output kept per invocation, in bytes; past it the rest is dropped and the log marked truncated. */
  @Transform(toInt)
  @IsInt()
  @Min(1_024)
  @Max(16 * 1024 * 1024)
  FUNCTION_MAX_LOG_BYTES = 256 * 1024;

  /** Largest total size of a function version's files, in bytes. */
  @Transform(toInt)
  @IsInt()
  @Min(1_024)
  @Max(256 * 1024 * 1024)
  FUNCTION_MAX_CODE_BYTES = 5 * 1024 * 1024;

  /** Days invocation records (their results, errors and logs) are kept. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_650)
  FUNCTION_INVOCATION_RETENTION_DAYS = 30;

  /**
   * The platform's own domains: a custom domain may be neither one of them nor under one, so no
   * project can claim the platform's names (or `localhost`).
   */
  @Transform(toDomainList)
  @Matches(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, {
    each: true,
    message: 'PLATFORM_DOMAINS must be a comma-separated list of domain names',
  })
  PLATFORM_DOMAINS: string[] = ['slipway.app', 'localhost'];

  /**
   * The DNS servers custom domains are verified against (`ip` or `ip:port`); none means the
   * system's resolvers.
   */
  @Transform(toList)
  @IsResolverAddressList()
  DNS_RESOLVERS: string[] = [];

  /** How long one DNS lookup may take before a verification fails with RESOLVER_TIMEOUT. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  DNS_TIMEOUT_MS = 5_000;

  /** Custom domains one project may have. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  DOMAINS_PER_PROJECT = 50;

  /** How often a verified domain's record is checked again. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_080)
  DOMAIN_RECHECK_MINUTES = 60;

  /** Failed checks in a row (the record gone or wrong) after which a verified domain stops being served. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  DOMAIN_FAILURE_THRESHOLD = 3;

  /**
   * How long an unverified domain is checked by itself and holds its hostname: past it, another
   * project may add the hostname, which takes it from this one.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(8_760)
  DOMAIN_PENDING_HOURS = 72;

  /** How long one webhook delivery attempt may take (connecting, sending, the response's first bytes). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /**
   * The pauses between a webhook delivery's attempts (each varied by up to a fifth either way), as
   * durations: `5s,5m,30m,2h,5h,10h,14h,20h,24h` is about three days. A delivery still failing
   * after the last one is FAILED.
   */
  @IsParsedBy(parseDurationList, 'a comma-separated list of durations such as 5s,5m,2h,1d')
  WEBHOOK_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,14h,20h,24h';

  /** How long a webhook endpoint may fail every attempt before it is disabled (a duration). */
  @IsParsedBy(parseDuration, 'a duration such as 90s, 12h or 5d')
  WEBHOOK_DISABLE_AFTER = '5d';

  /**
   * Addresses and networks webhooks may reach although they are loopback, private, link-local or
   * otherwise not public (comma-separated, `10.0.0.5`, `10.1.0.0/16`); none by default.
   */
  @IsParsedBy(parseRangeList, 'a comma-separated list of IP addresses and networks (10.0.0.0/8)')
  WEBHOOK_ALLOWED_ADDRESSES = '';

  /**
   * How often workers look for webhook events recorded but not handed to delivery (a process died
   * in between) and for deliveries due that no job is carrying.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  WEBHOOK_SWEEP_INTERVAL_MS = 10_000;

  /**
   * How long webhook events and finished deliveries are kept, in days: then MongoDB removes them.
   * Longer than the retry schedule spans, so no event goes while its deliveries are still tried.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_650)
  @OutlastsWebhookRetries()
  WEBHOOK_RETENTION_DAYS = 30;

  /** Days a project's activity feed keeps an entry: then MongoDB removes it. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_650)
  ACTIVITY_RETENTION_DAYS = 90;

  /** Webhook endpoints one project may have. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000)
  WEBHOOKS_PER_PROJECT = 20;

  /**
   * The SMTP server mail is sent through, as a URL (`smtp://user:pass@host:587`,
   * `smtps://host:465`). When unset, messages are written as .eml files to MAIL_OUTBOX_DIR instead.
   */
  @IsOptional()
  @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  /** The sender of every message (`Name <address>` or an address). */
  @IsString()
  @MinLength(3)
  @MaxLength(320)
  MAIL_FROM = 'Slipway <no-reply@slipway.localhost>';

  /** Where messages go as .eml files while SMTP_URL is unset; STORAGE_DIR/mail when unset. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  MAIL_OUTBOX_DIR?: string;

  /** How many times a message is tried before it is given up as lost (logged, never its body). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  MAIL_RETRY_ATTEMPTS = 12;

  /**
   * The pause after a message's first failed attempt, in milliseconds; each later pause doubles.
   * With 12 attempts from 30 s, the last is tried about 17 hours after the first.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  MAIL_RETRY_BASE_MS = 30_000;

  /** How long connecting to the SMTP server, its greeting, and any silence during a send may take. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  MAIL_SMTP_TIMEOUT_MS = 30_000;

  /** How long an invitation's link works, in hours. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(8_760)
  INVITATION_TTL_HOURS = 168;

  /** The start of the link an invitation email carries; the token is appended to it. */
  @Matches(/^https?:\/\/\S+$/, { message: 'INVITATION_LINK_BASE must be an http:// or https:// URL' })
  INVITATION_LINK_BASE = DEFAULT_INVITATION_LINK_BASE;

  /** Invitation emails (invitations and resends) one project may send per hour. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  INVITATIONS_PER_HOUR_PER_PROJECT = 50;

  /** Invitation emails (invitations and resends) one inviter may send per hour, over all projects. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  INVITATIONS_PER_HOUR_PER_INVITER = 20;

  /**
   * Days an invitation is kept after it ended (accepted, declined, revoked, expired): then MongoDB
   * removes it, its email and token hashes with it.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_650)
  INVITATION_RETENTION_DAYS = 90;

  /** How often workers mark invitations past their end EXPIRED (and announce it). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  INVITATION_SWEEP_INTERVAL_MS = 60_000;

  /** How often workers evaluate alert rules: each enabled rule once per interval, across all workers. */
  @Transform(toInt)
  @IsInt()
  @Min(200)
  @Max(3_600_000)
  ALERT_EVALUATION_INTERVAL_MS = 60_000;

  /** Alert rules one project may have. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  ALERTS_PER_PROJECT = 100;

  /** Days an alert's history (its state changes) is kept: then MongoDB removes it. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_650)
  ALERT_HISTORY_RETENTION_DAYS = 90;

  /** Hours raw metric points are kept: exact answers over a window (alert rules) read them. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(744)
  ANALYTICS_RAW_RETENTION_HOURS = 48;

  /** Days minute buckets of metrics are kept; a point may be recorded up to this far back, less an hour. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(90)
  ANALYTICS_MINUTE_RETENTION_DAYS = 8;

  /** Days hour buckets of metrics are kept. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_650)
  ANALYTICS_HOUR_RETENTION_DAYS = 90;

  /** Days day buckets of metrics are kept. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_650)
  ANALYTICS_DAY_RETENTION_DAYS = 730;

  /** Label sets (series) one metric of a project may have. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  ANALYTICS_MAX_SERIES_PER_METRIC = 1_000;

  /** Metric names users may record in one project; the platform's own names do not count. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  ANALYTICS_MAX_METRICS_PER_PROJECT = 500;

  /** The most steps one metric series query may answer with. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(100_000)
  ANALYTICS_MAX_SERIES_POINTS = 1_440;

  /**
   * The most stored buckets one metric series query (and a quantile window read from minute
   * buckets) may read: the series it matches that have points since its start, times the buckets
   * each has over its span. Past it the query is refused with QUERY_TOO_LARGE.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1_000)
  @Max(100_000_000)
  ANALYTICS_MAX_QUERY_BUCKETS = 200_000;

  /**
   * The servers managed databases are provisioned into, per engine (`src/config/database-hosts.ts`):
   * `{"POSTGRESQL":{"adminUrl":"postgresql://admin:pw@10.0.0.5:5432/postgres","host":"db.example.com","port":5432},…}`.
   * An engine left out cannot be provisioned (ENGINE_UNAVAILABLE).
   */
  @IsOptional()
  @IsString()
  @IsDatabaseHosts()
  DATABASE_HOSTS?: string;

  /** Where database backups are kept (the local backup store); STORAGE_DIR/backups when unset. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  DATABASE_BACKUPS_DIR?: string;

  /**
   * The shortest time between two runs of a database's backup schedule: a cron that fires more
   * often is refused (INVALID_SCHEDULE).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(31_536_000)
  DATABASE_BACKUP_MIN_INTERVAL_SECONDS = 300;

  /** How long one query console statement may run before the server cancels it. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(300_000)
  DATABASE_QUERY_TIMEOUT_MS = 10_000;

  /** The most rows one query console answer holds; past it the answer is marked truncated. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  DATABASE_QUERY_MAX_ROWS = 1_000;

  /** The most bytes (as JSON) of rows one query console answer holds; past it, truncated. */
  @Transform(toInt)
  @IsInt()
  @Min(1_024)
  @Max(67_108_864)
  DATABASE_QUERY_MAX_BYTES = 1_048_576;

  /**
   * The longest statement the query console takes, in characters (QUERY_TOO_LONG past it). At most
   * 16,000: so that the request carrying it fits the request body limit even with every character
   * \u-escaped in its JSON.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(16_000)
  DATABASE_QUERY_MAX_LENGTH = 16_000;

  /**
   * How often workers look for databases stuck PROVISIONING or DELETING (and databases of deleted
   * projects) and queue their jobs again.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1_000)
  @Max(86_400_000)
  DATABASE_SWEEP_INTERVAL_MS = 60_000;

  /** Points a process may hold waiting for MongoDB; past it, recording is refused until it drains. */
  @Transform(toInt)
  @IsInt()
  @Min(1_000)
  @Max(10_000_000)
  ANALYTICS_MAX_PENDING_POINTS = 100_000;

  /** How often workers delete metric points and buckets past their retention. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  ANALYTICS_SWEEP_INTERVAL_MS = 600_000;

  /**
   * Rows one metrics report may hold (one per series and step); a larger report is refused with
   * REPORT_TOO_LARGE and a shorter span asked for.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  ANALYTICS_REPORT_MAX_ROWS = 50_000;

  /**
   * Bytes (UTF-8) one metrics report's file may have; the report is built within it and refused
   * with REPORT_TOO_LARGE as soon as it would pass it.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1_024)
  @Max(64 * 1_048_576)
  ANALYTICS_REPORT_MAX_BYTES = 10 * 1_048_576;

  /** The longest build timeout any project may have, in seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(86_400)
  LIMIT_BUILD_TIMEOUT_SECONDS_MAX = 7_200;

  /** The most memory any project's build processes may have, in megabytes. */
  @Transform(toInt)
  @IsInt()
  @Min(128)
  @Max(1_048_576)
  LIMIT_BUILD_MEMORY_MB_MAX = 8_192;

  /** The longest timeout any project's functions may have, in seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  LIMIT_FUNCTION_TIMEOUT_SECONDS_MAX = 900;

  /** The most memory any project's functions may have, in megabytes. */
  @Transform(toInt)
  @IsInt()
  @Min(128)
  @Max(1_048_576)
  LIMIT_FUNCTION_MEMORY_MB_MAX = 4_096;

  /** The most builds one project may run at once. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000)
  LIMIT_CONCURRENT_BUILDS_MAX = 20;

  /** The most warm instances a project may keep of one function. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  LIMIT_WARM_INSTANCES_MAX = 10;

  /** The highest target concurrency (requests at once per instance) a project may give its functions. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  LIMIT_TARGET_CONCURRENCY_MAX = 1_000;

  /**
   * `on`: API processes serve the queue dashboard (Bull Board) at /admin/queues, to the operator's
   * credential only (docs/operations.md).
   */
  @Transform(toOnOff)
  @IsIn(['on', 'off'], { message: 'QUEUE_DASHBOARD must be on or off (or true/false)' })
  QUEUE_DASHBOARD: 'on' | 'off' = 'off';

  /** The user name of the operator's credential for the queue dashboard (HTTP Basic: no colon). */
  @Matches(/^[^:\s]{1,128}$/, { message: 'QUEUE_DASHBOARD_USER must be 1-128 characters without spaces or colons' })
  QUEUE_DASHBOARD_USER = 'operator';

  /**
   * The password of the operator's credential for the queue dashboard; required when it is on.
   * Workers never serve the dashboard, so they do not check it.
   */
  @ValidateIf((c: AppConfig) => c.runsApi && (c.QUEUE_DASHBOARD === 'on' || c.QUEUE_DASHBOARD_PASSWORD !== undefined))
  @IsString({ message: 'QUEUE_DASHBOARD_PASSWORD is required when QUEUE_DASHBOARD is on' })
  @MinLength(16, { message: 'QUEUE_DASHBOARD_PASSWORD must be at least 16 characters' })
  @MaxLength(1024, { message: 'QUEUE_DASHBOARD_PASSWORD must be at most 1024 characters' })
  QUEUE_DASHBOARD_PASSWORD?: string;

  /**
   * Wrong credentials one client address may send the queue dashboard in 15 minutes, per API
   * process; past them every request from it is refused (429) until the 15 minutes are over.
   */
  @Transform(toInt)
  @IsInt({ message: 'QUEUE_DASHBOARD_FAILED_SIGN_INS must be a whole number' })
  @Min(1, { message: 'QUEUE_DASHBOARD_FAILED_SIGN_INS must be between 1 and 100000' })
  @Max(100_000, { message: 'QUEUE_DASHBOARD_FAILED_SIGN_INS must be between 1 and 100000' })
  QUEUE_DASHBOARD_FAILED_SIGN_INS = 10;

  /** `on`: the queue dashboard only shows queues and jobs; retrying, removing, pausing and the rest are refused. */
  @Transform(toOnOff)
  @IsIn(['on', 'off'], { message: 'QUEUE_DASHBOARD_READ_ONLY must be on or off (or true/false)' })
  QUEUE_DASHBOARD_READ_ONLY: 'on' | 'off' = 'off';

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** Seconds a worker waits for running jobs to finish on shutdown before handing them back. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600)
  SHUTDOWN_GRACE_SECONDS = 30;

  #proxyTrust: ProxyTrust | undefined;

  /** `TRUST_PROXY`, compiled once, for Express and for the WebSocket upgrades Express does not see. */
  get proxyTrust(): ProxyTrust {
    return (this.#proxyTrust ??= compileProxyTrust(this.TRUST_PROXY));
  }

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  get ideEnabled(): boolean {
    return this.GRAPHQL_IDE ?? !this.isProduction;
  }

  get playgroundEnabled(): boolean {
    return this.GRAPHQL_PLAYGROUND ?? !this.isProduction;
  }

  /** Introspection is served wherever the IDE or the Playground is, and always outside production. */
  get introspectionEnabled(): boolean {
    return this.ideEnabled || this.playgroundEnabled || !this.isProduction;
  }

  get fieldSuggestionsEnabled(): boolean {
    return this.GRAPHQL_FIELD_SUGGESTIONS ?? this.introspectionEnabled;
  }

  /** WEBHOOK_RETRY_SCHEDULE in milliseconds. */
  get webhookRetryScheduleMs(): number[] {
    return parseDurationList(this.WEBHOOK_RETRY_SCHEDULE)!;
  }

  /** WEBHOOK_DISABLE_AFTER in milliseconds. */
  get webhookDisableAfterMs(): number {
    return parseDuration(this.WEBHOOK_DISABLE_AFTER)!;
  }

  /** ACTIVITY_RETENTION_DAYS in milliseconds. */
  get activityRetentionMs(): number {
    return this.ACTIVITY_RETENTION_DAYS * 86_400_000;
  }

  /** INVITATION_RETENTION_DAYS in milliseconds. */
  get invitationRetentionMs(): number {
    return this.INVITATION_RETENTION_DAYS * 86_400_000;
  }

  /** How long metric points and each resolution's buckets are kept, in milliseconds. */
  get analyticsRetentionMs(): { raw: number; minute: number; hour: number; day: number } {
    return {
      raw: this.ANALYTICS_RAW_RETENTION_HOURS * 3_600_000,
      minute: this.ANALYTICS_MINUTE_RETENTION_DAYS * 86_400_000,
      hour: this.ANALYTICS_HOUR_RETENTION_DAYS * 86_400_000,
      day: this.ANALYTICS_DAY_RETENTION_DAYS * 86_400_000,
    };
  }

  /** WEBHOOK_RETENTION_DAYS in milliseconds. */
  get webhookRetentionMs(): number {
    return this.WEBHOOK_RETENTION_DAYS * 86_400_000;
  }

  /** WEBHOOK_ALLOWED_ADDRESSES as networks. */
  get webhookAllowedRanges(): IpRange[] {
    return parseRangeList(this.WEBHOOK_ALLOWED_ADDRESSES) ?? [];
  }

  /** DATABASE_HOSTS, parsed: the database host of each engine that has one. */
  get databaseHosts(): DatabaseHosts {
    return parseDatabaseHosts(this.DATABASE_HOSTS);
  }

  /** Where the local backup store keeps database backups. */
  get databaseBackupsDir(): string {
    return this.DATABASE_BACKUPS_DIR ?? `${this.STORAGE_DIR}/backups`;
  }

  /** Where messages are written while SMTP_URL is unset. */
  get mailOutboxDir(): string {
    return this.MAIL_OUTBOX_DIR ?? `${this.STORAGE_DIR}/mail`;
  }

  /** Whether this process serves the queue dashboard: an API process with QUEUE_DASHBOARD on. */
  get queueDashboardEnabled(): boolean {
    return this.runsApi && this.QUEUE_DASHBOARD === 'on';
  }

  get runsApi(): boolean {
    return this.PROCESS_ROLE !== 'worker';
  }

  get runsWorkers(): boolean {
    return this.PROCESS_ROLE !== 'api';
  }

  /** The secret used to sign access tokens (a fixed development secret outside production). */
  get jwtSecret(): string {
    return this.JWT_SECRET ?? 'slipway-development-secret-not-for-production-use';
  }
}

export class ConfigValidationError extends Error {
  constructor(
    readonly keys: string[],
    details: string[],
  ) {
    super(`Invalid configuration (${keys.join(', ')}):\n  - ${details.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * A value that is not a number at all also "fails" its range checks; saying only that it must be an
 * integer keeps `PORT=abc` from being told it must not be greater than 65535. Likewise a required
 * value that is missing (every value read is a string, so only a missing one fails `isString`) is
 * told only that it is required, not how long it must be.
 */
function messagesOf(constraints: Record<string, string>): string[] {
  const only = constraints.isInt ?? constraints.isString;
  return only !== undefined ? [only] : Object.values(constraints);
}

/**
 * Every key `AppConfig` declares, read from its validation metadata: each key carries at least one
 * validator, whether or not it has a default, so adding a key to the class is all it takes.
 */
export const CONFIG_KEYS: readonly string[] = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(AppConfig, '', true, false)
      .map((m) => m.propertyName),
  ),
];

/** Builds and validates the configuration; throws one error naming every offending key. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const raw: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const keys = errors.map((e) => e.property);
    const details = errors.map((e) => `${e.property}: ${messagesOf(e.constraints ?? {}).join('; ')}`);
    throw new ConfigValidationError(keys, details);
  }
  return config;
}
