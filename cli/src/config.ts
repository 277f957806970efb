import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CliError } from './errors';

/** What `slipway login` keeps: the API it logged in to and the session or API token it holds. */
export interface Credentials {
  apiUrl: string;
  /** A session from email and password: refreshed when the access token expires. */
  session?: { accessToken: string; refreshToken: string; expiresAt: string };
  /** An API token given to `login --token`. */
  apiToken?: string;
  user?: { id: string; email: string; name: string };
}

/**
 * The directory the CLI keeps its credentials in: `SLIPWAY_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/slipway`, else `$HOME/.config/slipway`. An `XDG_CONFIG_HOME` that is empty or
 * relative is ignored, as the XDG Base Directory specification asks: a relative one would put the
 * credentials wherever the command runs, a checkout perhaps.
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLIPWAY_CONFIG_DIR) return path.resolve(env.SLIPWAY_CONFIG_DIR);
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || homedir(), '.config');
  return path.join(base, 'slipway');
}

function credentialsFile(env: NodeJS.ProcessEnv): string {
  return path.join(configDir(env), 'credentials.json');
}

/** The stored credentials, or undefined when there are none; CONFIG_INVALID when the file is unreadable or malformed. */
export function readCredentials(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const file = credentialsFile(env);
  if (!existsSync(file)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new CliError(`${file} is not valid JSON: log in again with \`slipway login\``, 'CONFIG_INVALID');
  }
  if (!isCredentials(value))
    throw new CliError(
      `${file} does not hold valid credentials: log in again with \`slipway login\``,
      'CONFIG_INVALID',
    );
  return value;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** The shape `writeCredentials` writes: an API URL and a session or an API token. */
function isCredentials(value: unknown): value is Credentials {
  if (!isObject(value) || !isString(value.apiUrl)) return false;
  const { session, apiToken, user } = value;
  if (session !== undefined) {
    if (!isObject(session)) return false;
    if (!isString(session.accessToken) || !isString(session.refreshToken) || !isString(session.expiresAt)) return false;
  }
  if (apiToken !== undefined && !isString(apiToken)) return false;
  if (session === undefined && apiToken === undefined) return false;
  if (user !== undefined) {
    if (!isObject(user) || !isString(user.id) || typeof user.email !== 'string' || typeof user.name !== 'string')
      return false;
  }
  return true;
}

/**
 * The config directory, made 0700 when the CLI creates it. One that exists already is left as
 * its owner set it, unless others may write into it: then it is refused, since they could swap
 * the credentials.
 */
function ensureConfigDir(env: NodeJS.ProcessEnv): string {
  const dir = configDir(env);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } else if ((statSync(dir).mode & 0o022) !== 0) {
    throw new CliError(
      `${dir} is writable by other users: make it private (chmod 700) or set SLIPWAY_CONFIG_DIR to another directory`,
      'CONFIG_INVALID',
    );
  }
  return dir;
}

/**
 * Writes the credentials readable by their owner only: the directory 0700, the file 0600,
 * written aside and renamed so a crash never leaves half a file.
 */
export function writeCredentials(credentials: Credentials, env: NodeJS.ProcessEnv = process.env): string {
  ensureConfigDir(env);
  const file = credentialsFile(env);
  writeFileAtomic(file, `${JSON.stringify(credentials, null, 2)}\n`, 0o600);
  return file;
}

/**
 * Writes `text` to `file` with `mode`, aside first and renamed into place, so that a reader never
 * sees half a file; on failure the aside copy is removed (it may hold secrets) and the error thrown.
 */
export function writeFileAtomic(file: string, text: string, mode: number): void {
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, text, { mode });
    chmodSync(partial, mode);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** The credentials lock is another process's, left behind by a crash, once it is this old. */
const LOCK_STALE_MS = 30_000;
/** How long to wait for another process to release the lock. */
const LOCK_WAIT_MS = 10_000;

/**
 * Runs `fn` holding `credentials.lock` in the config directory, so that one process at a time
 * renews the session: the API rotates refresh tokens and revokes a session whose old refresh
 * token is presented again, so two processes renewing with the same token would end the login.
 */
export async function withCredentialsLock<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const dir = ensureConfigDir(env);
  const lock = path.join(dir, 'credentials.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let age: number | undefined;
    try {
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    if (age > LOCK_STALE_MS) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new CliError(
        `Another slipway command holds ${lock} while renewing the session; try again (or remove the file if no other slipway command runs)`,
        'CREDENTIALS_LOCKED',
      );
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

export function removeCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = credentialsFile(env);
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}

/** What `slipway link` writes into a directory: `.slipway/project.json`. */
export interface ProjectLink {
  projectId: string;
  projectName: string;
  apiUrl: string;
}

export const LINK_DIR = '.slipway';
const LINK_FILE = 'project.json';

/** The link of `cwd` or of the nearest directory above it that has one. */
export function findLink(cwd: string): { dir: string; link: ProjectLink } | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, LINK_DIR, LINK_FILE);
    if (existsSync(file)) {
      let link: unknown;
      try {
        link = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        throw new CliError(`${file} is not valid JSON: run \`slipway link\` again`, 'CONFIG_INVALID');
      }
      if (
        !isObject(link) ||
        !isString(link.projectId) ||
        (link.apiUrl !== undefined && typeof link.apiUrl !== 'string')
      )
        throw new CliError(`${file} names no project: run \`slipway link\` again`, 'CONFIG_INVALID');
      return { dir, link: link as unknown as ProjectLink };
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

export function writeLink(dir: string, link: ProjectLink): string {
  const folder = path.join(dir, LINK_DIR);
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, LINK_FILE);
  writeFileSync(file, `${JSON.stringify(link, null, 2)}\n`);
  // The link names a project, not a secret, but it is per checkout: keep it out of commits.
  const ignore = path.join(folder, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
  return file;
}
