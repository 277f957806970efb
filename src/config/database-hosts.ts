/**
 * The servers managed databases are provisioned into (`DATABASE_HOSTS`), one per engine: an admin
 * connection URL the platform provisions, queries, backs up and restores with, and the host and
 * port users connect to (the URL's own when not given: they differ when users reach the server
 * by another name than the platform does). Parsing never repeats a value back, since the URLs
 * carry the admin passwords.
 */
export const DATABASE_ENGINES = ['POSTGRESQL', 'MYSQL', 'MONGODB', 'REDIS'] as const;
export type DatabaseEngineName = (typeof DATABASE_ENGINES)[number];

export interface DatabaseHost {
  /** How the platform connects, as the server's administrator. */
  readonly adminUrl: string;
  /** The host name users connect to. */
  readonly host: string;
  /** The port users connect to. */
  readonly port: number;
}

export type DatabaseHosts = Readonly<Partial<Record<DatabaseEngineName, DatabaseHost>>>;

const PROTOCOLS: Record<DatabaseEngineName, readonly string[]> = {
  POSTGRESQL: ['postgres:', 'postgresql:'],
  MYSQL: ['mysql:', 'mariadb:'],
  MONGODB: ['mongodb:'],
  REDIS: ['redis:', 'rediss:'],
};

const DEFAULT_PORTS: Record<DatabaseEngineName, number> = {
  POSTGRESQL: 5432,
  MYSQL: 3306,
  MONGODB: 27017,
  REDIS: 6379,
};

function isEngine(value: string): value is DatabaseEngineName {
  return (DATABASE_ENGINES as readonly string[]).includes(value);
}

function parseHost(engine: DatabaseEngineName, raw: unknown): DatabaseHost {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${engine} must be an object with adminUrl, and optionally host and port`);
  }
  const entry = raw as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (!['adminUrl', 'host', 'port'].includes(key)) throw new Error(`${engine}: unknown key "${key.slice(0, 40)}"`);
  }
  if (typeof entry.adminUrl !== 'string' || entry.adminUrl.length === 0) {
    throw new Error(`${engine}.adminUrl must be a connection URL`);
  }
  let url: URL;
  try {
    url = new URL(entry.adminUrl);
  } catch {
    throw new Error(`${engine}.adminUrl is not a URL`);
  }
  if (!PROTOCOLS[engine].includes(url.protocol)) {
    throw new Error(`${engine}.adminUrl must start with ${PROTOCOLS[engine].map((p) => `${p}//`).join(' or ')}`);
  }
  if (!url.hostname) throw new Error(`${engine}.adminUrl names no host`);
  const host = entry.host ?? url.hostname.replace(/^\[|\]$/g, '');
  if (typeof host !== 'string' || !/^[A-Za-z0-9.:_-]{1,253}$/.test(host)) {
    throw new Error(`${engine}.host must be a host name or an IP address`);
  }
  const port = entry.port ?? (url.port ? Number(url.port) : DEFAULT_PORTS[engine]);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${engine}.port must be an integer from 1 to 65535`);
  }
  return { adminUrl: entry.adminUrl, host, port };
}

/**
 * Reads `DATABASE_HOSTS`: a JSON object from engine (`POSTGRESQL`, `MYSQL`, `MONGODB`, `REDIS`) to
 * `{ "adminUrl": "...", "host": "...", "port": 5432 }`. An engine left out cannot be provisioned.
 * Throws an Error saying what is wrong, never quoting a URL.
 */
export function parseDatabaseHosts(raw: string | undefined): DatabaseHosts {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('must be a JSON object from engine to { adminUrl, host, port }');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('must be a JSON object from engine to { adminUrl, host, port }');
  }
  const hosts: Partial<Record<DatabaseEngineName, DatabaseHost>> = {};
  for (const [engine, value] of Object.entries(parsed)) {
    if (!isEngine(engine)) {
      throw new Error(`unknown engine "${engine.slice(0, 40)}": name ${DATABASE_ENGINES.join(', ')}`);
    }
    hosts[engine] = parseHost(engine, value);
  }
  return hosts;
}
