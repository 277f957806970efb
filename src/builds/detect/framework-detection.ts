import { entryExists, readRegularFile } from '../workspace-files';

/** What a build runs when its settings leave commands or the output directory empty. */
export interface DetectedConfiguration {
  framework: string;
  packageManager: string | null;
  installCommand: string | null;
  buildCommand: string | null;
  outputDirectory: string;
}

interface PackageJson {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** Lockfile → package manager and its install command, in the order the ecosystems prefer them. */
const NODE_LOCKFILES: Array<[string, string, string]> = [
  ['pnpm-lock.yaml', 'pnpm', 'pnpm install --frozen-lockfile'],
  ['yarn.lock', 'yarn', 'yarn install --frozen-lockfile'],
  ['bun.lockb', 'bun', 'bun install --frozen-lockfile'],
  ['package-lock.json', 'npm', 'npm ci'],
];

/** Node frameworks by dependency, with the directory their build writes. */
const NODE_FRAMEWORKS: Array<[string, string, string]> = [
  ['next', 'Next.js (static export)', 'out'],
  ['astro', 'Astro', 'dist'],
  ['vite', 'Vite', 'dist'],
  ['@sveltejs/kit', 'SvelteKit', 'build'],
  ['react-scripts', 'Create React App', 'build'],
];

function readPackageJson(dir: string): PackageJson | undefined {
  const content = readRegularFile(dir, 'package.json');
  if (!content) return undefined;
  try {
    const parsed: unknown = JSON.parse(content.toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as PackageJson) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Works out how to build a repository from its files, as Vercel's framework detection and
 * Railway's Railpack do: the package manager from the lockfile, the framework from the
 * dependencies (Vite, Next.js static export, Astro, …), Hugo-style static site generators, Python
 * and Go projects, and plain HTML, which needs no build at all.
 */
export function detectConfiguration(dir: string): DetectedConfiguration {
  // The repository is the user's: its links are not followed out of it.
  const has = (file: string): boolean => entryExists(dir, file);
  const pkg = readPackageJson(dir);
  if (pkg) {
    const [, packageManager, installCommand] = NODE_LOCKFILES.find(([lock]) => has(lock)) ?? ['', 'npm', 'npm install'];
    const dependencies = { ...pkg.dependencies, ...pkg.devDependencies };
    const [, framework, outputDirectory] = NODE_FRAMEWORKS.find(([dep]) => dep in dependencies) ?? [
      '',
      'Node.js',
      'dist',
    ];
    const run = packageManager === 'npm' ? 'npm run' : packageManager;
    return {
      framework,
      packageManager,
      installCommand,
      buildCommand: pkg.scripts?.build ? `${run} build` : null,
      outputDirectory,
    };
  }
  if (has('hugo.toml') || has('hugo.yaml') || (has('config.toml') && (has('content') || has('layouts')))) {
    return {
      framework: 'Hugo',
      packageManager: null,
      installCommand: null,
      buildCommand: 'hugo --minify',
      outputDirectory: 'public',
    };
  }
  if (has('requirements.txt') || has('pyproject.toml')) {
    return {
      framework: 'Python',
      packageManager: 'pip',
      installCommand: has('requirements.txt') ? 'pip install --user -r requirements.txt' : 'pip install --user .',
      buildCommand: null,
      outputDirectory: '.',
    };
  }
  if (has('go.mod')) {
    return {
      framework: 'Go',
      packageManager: 'go',
      installCommand: 'go mod download',
      buildCommand: 'go build -o out/app .',
      outputDirectory: 'out',
    };
  }
  return {
    framework: 'Static HTML',
    packageManager: null,
    installCommand: null,
    buildCommand: null,
    outputDirectory: has('public/index.html') && !has('index.html') ? 'public' : '.',
  };
}
