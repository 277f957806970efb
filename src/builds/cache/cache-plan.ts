import { createHash } from 'node:crypto';
import path from 'node:path';
import { directoryInside, readRegularFile } from '../workspace-files';

/** Files that pin a project's dependencies: when none changed, what install fetched can be reused. */
export const LOCKFILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'requirements.txt',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'go.sum',
  'Gemfile.lock',
  'Cargo.lock',
  'composer.lock',
] as const;

/**
 * Where each package manager keeps what it downloads and installs, relative to the workspace (the
 * build's HOME) or, for `<root>/…`, to the project's root directory.
 */
const PACKAGE_MANAGER_DIRECTORIES: Record<string, string[]> = {
  npm: ['.npm', '<root>/node_modules'],
  yarn: ['.cache/yarn', '<root>/node_modules'],
  pnpm: ['.local/share/pnpm/store', '<root>/node_modules'],
  bun: ['.bun/install/cache', '<root>/node_modules'],
  pip: ['.cache/pip', '.local'],
  go: ['go/pkg/mod', '.cache/go-build'],
};

/** Bumped when what a cache holds, or how it is packed, changes. */
const FORMAT = 1;

export type CachePlan =
  | {
      key: string;
      /** Lockfiles the key was made from, relative to the workspace. */
      lockfiles: string[];
      /** Directories restored and saved, relative to the workspace. */
      directories: string[];
    }
  | { key: null; reason: string };

export interface CachePlanInput {
  /** The checkout. */
  workspace: string;
  /** The project's root directory inside it. */
  rootDirectory: string;
  packageManager: string | null;
  /** Directories the project asked to cache, relative to its root directory. */
  cacheDirectories: string[];
  installCommand: string | null;
}

/**
 * What a build caches and under which key: the package manager's directories and the project's
 * own, keyed by the lockfiles found in the root directory and at the top of the repository, the
 * directories themselves, the install command and the worker's platform. A repository without a
 * lockfile builds without a cache, since nothing would tell when the cache went stale.
 */
export function planCache(input: CachePlanInput): CachePlan {
  const root = input.rootDirectory;
  const lockfiles: Array<[string, string]> = [];
  for (const dir of [...new Set([root, ''])]) {
    const real = directoryInside(input.workspace, dir);
    if (!real) continue;
    for (const name of LOCKFILES) {
      const content = readRegularFile(real, name, 64 * 1024 * 1024);
      if (content) lockfiles.push([path.posix.join(dir, name), createHash('sha256').update(content).digest('hex')]);
    }
  }
  const directories = [
    ...new Set(
      [
        ...(PACKAGE_MANAGER_DIRECTORIES[input.packageManager ?? ''] ?? []).map((d) =>
          d.startsWith('<root>/') ? path.posix.join(root, d.slice('<root>/'.length)) : d,
        ),
        ...input.cacheDirectories.map((d) => path.posix.join(root, d)),
      ].sort(),
    ),
  ];
  if (directories.length === 0) return { key: null, reason: 'nothing to cache: no package manager or cache directory' };
  if (lockfiles.length === 0) {
    return { key: null, reason: `no lockfile (${LOCKFILES.slice(0, 4).join(', ')}, …) to key a cache on` };
  }
  lockfiles.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        format: FORMAT,
        platform: `${process.platform}-${process.arch}`,
        directories,
        lockfiles,
        install: input.installCommand,
      }),
    )
    .digest('hex');
  return { key, lockfiles: lockfiles.map(([file]) => file), directories };
}
