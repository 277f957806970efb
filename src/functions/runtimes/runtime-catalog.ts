import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { FUNCTION_RUNTIMES } from '../../settings/function-runtimes';

/**
 * Which function runtimes this host can run, and how: found once at boot by looking at the
 * system's interpreters (`/usr`), the runtimes the setup step installs (`FUNCTION_RUNTIMES_DIR`)
 * and pyenv's, each one's version checked by running it. See runtimes/README.md for the protocol
 * the processes started from `argv` speak.
 */

export type RuntimeLanguage = 'nodejs' | 'python' | 'ruby' | 'go';

export interface RuntimeInstall {
  /** `nodejs22`, `python3.11`, `go1.21`, …: the language and its major (Node.js) or major.minor. */
  id: string;
  language: RuntimeLanguage;
  /** One of the identifiers the platform offers everywhere (FUNCTION_RUNTIMES); else added by this host. */
  promised: boolean;
  available: boolean;
  /** The exact version found, `22.23.3`; null when none was. */
  version: string | null;
  /** Why it is not available; null when it is. */
  reason: string | null;
  /** Host path of the interpreter (node, python, ruby) or of the `go` tool. */
  executable: string | null;
  /** Host directories the sandbox binds read-only at the same paths to run it, besides `/usr`. */
  mounts: string[];
  /**
   * Environment its processes need: for interpreters, on top of the sandbox's; for Go, what
   * compiling needs (GOROOT and the like), since the compiled binary needs nothing.
   */
  env: Record<string, string>;
  /**
   * How to start an unassigned process in the sandbox (working directory: the task directory):
   * the interpreter with its bootstrap, or for Go the shell that waits for the binary (GO_SHIM).
   */
  argv: string[];
}

export interface DiscoverOptions {
  /** FUNCTION_RUNTIMES_DIR: where the setup step installs runtimes; relative to the working directory. */
  runtimesDir: string;
  /** pyenv's root, whose Pythons are used when the sandbox's users can reach them; `~/.pyenv` by default. */
  pyenvRoot?: string;
  /**
   * Where the bootstraps are in the processes' file system: SANDBOX_BOOTSTRAP_DIR in the sandbox;
   * tests that run processes unsandboxed give runtimes/bootstrap itself.
   */
  bootstrapDir?: string;
}

/** runtimes/bootstrap on the host: mounted at SANDBOX_BOOTSTRAP_DIR, compiled in for Go. */
export const HOST_BOOTSTRAP_DIR = path.resolve(__dirname, '..', '..', '..', 'runtimes', 'bootstrap');
/** Where runtimes/bootstrap appears in a function's sandbox. */
export const SANDBOX_BOOTSTRAP_DIR = '/opt/slipway/bootstrap';
/** Where a function version's files appear in its sandbox; every runtime process starts in it. */
export const SANDBOX_TASK_DIR = '/var/task';
/** Where, relative to the task directory, the platform copies a compiled Go function. */
export const GO_BINARY = '.slipway/handler';
/** Where, relative to the task directory, the platform writes a Go function's variables for the shim. */
export const GO_ENV = '.slipway/env';
/**
 * The unassigned Go process (runtimes/README.md, "Go"): says ready, waits for `exec` and becomes
 * the function's binary, with the function's variables (GO_ENV) in its environment, since its
 * package initializes before the bootstrap reads `load`. `read` takes stdin a byte at a time, so
 * what follows `exec` stays there for the binary. It ends quietly when stdin does.
 */
export const GO_SHIM = [
  `printf '{"type":"ready"}\\n' >&3 || exit 1`,
  `IFS= read -r line || exit 0`,
  `[ "$line" = exec ] || { echo "slipway: expected exec, got: $line" >&2; exit 2; }`,
  `[ ! -f ./${GO_ENV} ] || . ./${GO_ENV}`,
  `exec ./${GO_BINARY}`,
].join('; ');

/**
 * GO_ENV's text: a shell script exporting the variables, each value single-quoted. A name the shell
 * cannot take, or a value with NUL, is left to the `load` message, which sets what it can.
 */
export function goEnvScript(env: Record<string, string>): string {
  return Object.entries(env)
    .filter(([key, value]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && !value.includes('\0'))
    .map(([key, value]) => `export ${key}='${value.replaceAll("'", `'\\''`)}'\n`)
    .join('');
}

/** The oldest version of each language its bootstrap supports. */
const OLDEST: Record<RuntimeLanguage, [number, number]> = {
  nodejs: [18, 0],
  python: [3, 8],
  ruby: [3, 1],
  go: [1, 21],
};
const LANGUAGES: RuntimeLanguage[] = ['nodejs', 'python', 'ruby', 'go'];
const NAMES: Record<RuntimeLanguage, string> = { nodejs: 'Node.js', python: 'Python', ruby: 'Ruby', go: 'Go' };
/** Where the system's interpreters are looked for; both lie in the sandbox's `/usr`. */
const SYSTEM_BIN = ['/usr/bin', '/usr/local/bin'];
/** Go installations outside a bin directory: the official archive's place and Debian's. */
const SYSTEM_GO = ['/usr/local/go', '/usr/lib/go'];

/** What FUNCTION_RUNTIMES_DIR holds: `<kind>-<version>/bin/<binary>`, as the setup step installs them. */
const INSTALLED = {
  node: { language: 'nodejs', binary: 'node' },
  python: { language: 'python', binary: 'pythonX.Y' },
  ruby: { language: 'ruby', binary: 'ruby' },
  go: { language: 'go', binary: 'go' },
} as const satisfies Record<string, { language: RuntimeLanguage; binary: string }>;
/** Where a candidate comes from, in order of preference for the same identifier. */
type Source = 'system' | 'runtimes' | 'pyenv';
const SOURCE_RANK: Record<Source, number> = { system: 0, runtimes: 1, pyenv: 2 };

interface Candidate {
  language: RuntimeLanguage;
  source: Source;
  executable: string;
  /** The installation's own directory outside /usr (mounted), if any. */
  home?: string;
  /** For Go: the version read from GOROOT/VERSION instead of running the tool. */
  versionFile?: string;
}

interface Found extends Candidate {
  id: string;
  version: string;
  /** Why the sandbox cannot use it, when it cannot. */
  unreachable?: string;
}

export async function discoverRuntimes(options: DiscoverOptions): Promise<RuntimeInstall[]> {
  const runtimesDir = path.resolve(options.runtimesDir);
  const pyenvRoot = path.resolve(options.pyenvRoot ?? path.join(homedir(), '.pyenv'));
  const bootstrapDir = options.bootstrapDir ?? SANDBOX_BOOTSTRAP_DIR;
  const candidates = await findCandidates(runtimesDir, pyenvRoot);
  const found = (await Promise.all(candidates.map(identify))).filter((f): f is Found => f !== undefined);

  const best = new Map<string, Found>();
  for (const f of found.sort(preference)) if (!best.has(f.id)) best.set(f.id, f);

  const promised = new Set<string>(FUNCTION_RUNTIMES);
  const hostAdded = [...best.values()]
    .filter((f) => !promised.has(f.id))
    .sort(
      (a, b) => LANGUAGES.indexOf(a.language) - LANGUAGES.indexOf(b.language) || compareVersions(a.version, b.version),
    )
    .map((f) => f.id);
  return [...FUNCTION_RUNTIMES, ...hostAdded].map((id) => {
    const f = best.get(id);
    const language = languageOf(id);
    if (!f || f.unreachable) {
      return {
        id,
        language,
        promised: promised.has(id),
        available: false,
        version: f?.version ?? null,
        reason: f?.unreachable ?? missingReason(id, runtimesDir),
        executable: null,
        mounts: [],
        env: {},
        argv: [],
      };
    }
    return {
      ...describe(f, bootstrapDir),
      id,
      language,
      promised: promised.has(id),
      available: true,
      version: f.version,
      reason: null,
    };
  });
}

/** How a found installation runs: its mounts, environment and command line. */
function describe(f: Found, bootstrapDir: string): Pick<RuntimeInstall, 'executable' | 'mounts' | 'env' | 'argv'> {
  const mounts = f.home ? [f.home] : [];
  switch (f.language) {
    case 'nodejs':
      return { executable: f.executable, mounts, env: {}, argv: [f.executable, `${bootstrapDir}/node.mjs`] };
    case 'python':
      // -S: no site module, so neither the host's site-packages nor its .pth files reach a function,
      // which sees the standard library and its own files only, whatever the host has installed.
      return {
        executable: f.executable,
        mounts,
        env: {
          PYTHONUNBUFFERED: '1',
          PYTHONDONTWRITEBYTECODE: '1',
          // A copied pyenv Python names its libpython by an absolute path under the original.
          ...(f.home ? { LD_LIBRARY_PATH: path.join(f.home, 'lib') } : {}),
        },
        argv: [f.executable, '-S', `${bootstrapDir}/python.py`],
      };
    case 'ruby':
      // --disable-gems: RubyGems makes a start take 50 ms instead of 12 and brings the host's gems;
      // a function has the standard library and its own files (`require 'rubygems'` brings it back).
      return {
        executable: f.executable,
        mounts,
        env: {},
        argv: [f.executable, '--disable-gems', `${bootstrapDir}/ruby.rb`],
      };
    case 'go': {
      const goroot = path.dirname(path.dirname(f.executable));
      return {
        executable: f.executable,
        mounts,
        env: { GOROOT: goroot, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
        argv: ['/bin/sh', '-c', GO_SHIM],
      };
    }
  }
}

async function findCandidates(runtimesDir: string, pyenvRoot: string): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  for (const dir of SYSTEM_BIN) {
    const names = await list(dir);
    // The versioned names (python3.11, ruby3.1), which keep their version when `python3` or `ruby`
    // is pointed elsewhere; a lone `ruby` counts too.
    const rubies = names.filter((name) => /^ruby\d+\.\d+$/.test(name));
    if (rubies.length === 0 && names.includes('ruby')) rubies.push('ruby');
    const system = (language: RuntimeLanguage, name: string): Candidate => ({
      language,
      source: 'system',
      executable: path.join(dir, name),
    });
    if (names.includes('node')) candidates.push(system('nodejs', 'node'));
    for (const name of names.filter((n) => /^python3\.\d+$/.test(n))) candidates.push(system('python', name));
    for (const name of rubies) candidates.push(system('ruby', name));
  }
  for (const goroot of SYSTEM_GO) {
    const executable = path.join(goroot, 'bin', 'go');
    candidates.push({ language: 'go', source: 'system', executable, versionFile: path.join(goroot, 'VERSION') });
  }
  for (const name of await list(runtimesDir)) {
    const version = /^(node|python|ruby|go)-(\d+)\.(\d+)\.\d+$/.exec(name);
    if (!version) continue;
    const { language, binary } = INSTALLED[version[1] as keyof typeof INSTALLED];
    const home = path.join(runtimesDir, name);
    const executable = `${home}/bin/${binary.replace('X.Y', `${version[2]}.${version[3]}`)}`;
    const versionFile = language === 'go' ? `${home}/VERSION` : undefined;
    candidates.push({ language, source: 'runtimes', home, executable, versionFile });
  }
  // pyenv's Pythons only for versions found nowhere else (the setup step copies them), so that
  // discovery does not run them for nothing.
  const pythons = new Set(candidates.filter((c) => c.language === 'python').map((c) => path.basename(c.executable)));
  const versions = path.join(pyenvRoot, 'versions');
  for (const name of await list(versions)) {
    const version = /^(\d+)\.(\d+)\.\d+$/.exec(name);
    const binary = version && `python${version[1]}.${version[2]}`;
    if (!binary || pythons.has(binary)) continue;
    const home = path.join(versions, name);
    candidates.push({ language: 'python', source: 'pyenv', home, executable: `${home}/bin/${binary}` });
  }
  return candidates;
}

/** The candidate's version and identifier, or nothing when it is not there, not runnable, or too old. */
async function identify(candidate: Candidate): Promise<Found | undefined> {
  const version = candidate.versionFile
    ? await goVersion(candidate.executable, candidate.versionFile)
    : await probeVersion(candidate.language, candidate.executable, candidate.home);
  if (!version) return undefined;
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [oldestMajor, oldestMinor] = OLDEST[candidate.language];
  if (major < oldestMajor || (major === oldestMajor && minor < oldestMinor)) return undefined;
  const id = candidate.language === 'nodejs' ? `nodejs${major}` : `${candidate.language}${major}.${minor}`;
  // The name promises a version: python3.9 must be 3.9.x whatever its path says.
  if (candidate.language === 'python' && !candidate.executable.endsWith(`python${major}.${minor}`)) return undefined;
  const unreachable = candidate.home ? await unreachableReason(candidate.home, candidate.source) : undefined;
  return { ...candidate, id, version, unreachable };
}

const probes = new Map<string, Promise<string | undefined>>();

/**
 * Runs `<executable> --version` and reads the version from what it prints; cached by the file's
 * real path, size and time, so a second discovery (another module, a test) runs nothing again.
 */
async function probeVersion(
  language: RuntimeLanguage,
  executable: string,
  home: string | undefined,
): Promise<string | undefined> {
  let key: string;
  try {
    const real = await realpath(executable);
    const info = await stat(real);
    if (!info.isFile()) return undefined;
    await access(real, constants.X_OK);
    key = `${real}:${info.size}:${info.mtimeMs}`;
  } catch {
    return undefined;
  }
  let probe = probes.get(key);
  if (!probe) {
    probe = new Promise((resolve) => {
      // A copied pyenv Python finds its libpython as it will in the sandbox.
      const env = { PATH: '/usr/bin:/bin', ...(home ? { LD_LIBRARY_PATH: path.join(home, 'lib') } : {}) };
      execFile(executable, ['--version'], { timeout: 5_000, env }, (error, stdout, stderr) => {
        // Python before 3.4 printed its version on stderr.
        const text = `${stdout}\n${stderr}`;
        const pattern = {
          nodejs: /^v(\d+\.\d+\.\d+)/m,
          python: /^Python (\d+\.\d+\.\d+)/m,
          ruby: /^ruby (\d+\.\d+\.\d+)/m,
          go: /go(\d+\.\d+(?:\.\d+)?)/,
        }[language];
        resolve(error ? undefined : pattern.exec(text)?.[1]);
      });
    });
    probes.set(key, probe);
  }
  return probe;
}

/** A Go installation's version from its VERSION file (`go1.21.13`), when its `go` tool is there. */
async function goVersion(executable: string, versionFile: string): Promise<string | undefined> {
  try {
    await access(executable, constants.X_OK);
    const first = (await readFile(versionFile, 'utf8')).split('\n')[0] ?? '';
    return /^go(\d+\.\d+(?:\.\d+)?)$/.exec(first.trim())?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Why the sandbox's user could not read `dir`, if it could not. When the platform runs as root,
 * each sandbox runs as a user of its own, which needs every directory above `dir` searchable and
 * `dir` readable by others; otherwise the sandbox runs as the platform's own user.
 */
async function unreachableReason(dir: string, source: Source): Promise<string | undefined> {
  const remedy =
    source === 'pyenv'
      ? 'scripts/setup.sh copies it into FUNCTION_RUNTIMES_DIR'
      : 'FUNCTION_RUNTIMES_DIR and the directories above it must be readable by other users';
  try {
    if (process.getuid?.() !== 0) {
      await access(dir, constants.R_OK | constants.X_OK);
      return undefined;
    }
    const real = await realpath(dir);
    for (let current = real; ; current = path.dirname(current)) {
      const mode = (await stat(current)).mode;
      const needed = current === real ? 0o005 : 0o001;
      if ((mode & needed) !== needed) {
        const octal = (mode & 0o7777).toString(8).padStart(4, '0');
        return `the sandbox's users cannot read ${dir}: ${current} is ${octal} (${remedy})`;
      }
      if (current === '/') return undefined;
    }
  } catch (error) {
    return `the sandbox's users cannot read ${dir}: ${(error as Error).message} (${remedy})`;
  }
}

function missingReason(id: string, runtimesDir: string): string {
  const language = languageOf(id);
  const version = id.slice(language.length);
  const setup: Record<RuntimeLanguage, string> = {
    nodejs: `scripts/setup.sh installs Node.js 18 and 22 into ${runtimesDir}`,
    python: `scripts/setup.sh copies pyenv's Pythons, 3.8 and later, into ${runtimesDir}`,
    ruby: `scripts/setup.sh installs Debian's ruby; another version can go into ${runtimesDir}/ruby-${version}.x`,
    go: `scripts/setup.sh installs Go 1.21 into ${runtimesDir}`,
  };
  return `not installed on this host: no ${NAMES[language]} ${version} (${setup[language]})`;
}

function languageOf(id: string): RuntimeLanguage {
  return LANGUAGES.find((language) => id.startsWith(language) && /^\d/.test(id.slice(language.length)))!;
}

/** Usable first, then the system's over installed copies over pyenv's, then the newest. */
function preference(a: Found, b: Found): number {
  return (
    Number(a.unreachable !== undefined) - Number(b.unreachable !== undefined) ||
    SOURCE_RANK[a.source] - SOURCE_RANK[b.source] ||
    compareVersions(b.version, a.version)
  );
}

function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}
