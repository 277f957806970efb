import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/** The directory the CLI keeps its credentials in: `SLIPWAY_CONFIG_DIR`, else `$XDG_CONFIG_HOME/slipway`, else `~/.config/slipway`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLIPWAY_CONFIG_DIR) return path.resolve(env.SLIPWAY_CONFIG_DIR);
  const base = env.XDG_CONFIG_HOME ? path.resolve(env.XDG_CONFIG_HOME) : path.join(homedir(), '.config');
  return path.join(base, 'slipway');
}

function credentialsFile(env: NodeJS.ProcessEnv): string {
  return path.join(configDir(env), 'credentials.json');
}

export function readCredentials(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const file = credentialsFile(env);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  } catch {
    throw new CliError(`${file} is not valid JSON: log in again with \`slipway login\``, 'CONFIG_INVALID');
  }
}

/**
 * Writes the credentials readable by their owner only: the directory 0700, the file 0600,
 * written aside and renamed so a crash never leaves half a file.
 */
export function writeCredentials(credentials: Credentials, env: NodeJS.ProcessEnv = process.env): string {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = credentialsFile(env);
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(partial, 0o600);
  renameSync(partial, file);
  return file;
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
      try {
        return { dir, link: JSON.parse(readFileSync(file, 'utf8')) as ProjectLink };
      } catch {
        throw new CliError(`${file} is not valid JSON: run \`slipway link\` again`, 'CONFIG_INVALID');
      }
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
