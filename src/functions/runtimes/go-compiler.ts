import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIMITS, type ExecutionLimits, type Executor } from '../../executor/executor';
import { HOST_BOOTSTRAP_DIR, type RuntimeInstall } from './runtime-catalog';

/** A file of a function version: its path relative to the version's root, and its text. */
export interface SourceFile {
  path: string;
  content: string;
}

export interface GoCompilerOptions {
  /**
   * Where compiled binaries, the warm build caches and the compiles' workspaces live. The sandbox's
   * users must be able to reach it (every directory above it searchable by others).
   */
  cacheDir: string;
  /** Runs the Go toolchain, in the sandbox. */
  executor: Executor;
  /** runtimes/bootstrap/go unless told otherwise. */
  bootstrapDir?: string;
  /** Limits of one compile; five minutes and the build defaults unless told otherwise. */
  limits?: Partial<ExecutionLimits>;
}

export interface CompiledGoFunction {
  /** Host path of the static binary, to be copied to the task directory's `.slipway/handler`. */
  binary: string;
  /** `go1.21-<hash>`: the runtime and a hash of the version's files, the bootstrap and the toolchain. */
  key: string;
  /** Whether the binary came from the cache, without running the toolchain. */
  cached: boolean;
  durationMs: number;
}

/** A function that does not compile; `output` is the toolchain's, with each error's file and line. */
export class GoCompileError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(output ? `${message}:\n${output}` : message);
    this.name = 'GoCompileError';
  }
}

/** The seed program: the bootstrap and the standard packages a function most often imports. */
const SEED_HANDLER = `package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"unicode/utf8"
)

var _ = []any{bytes.NewReader, sha256.New, base64.StdEncoding, hex.EncodeToString, errors.New, log.Println,
	math.Abs, url.Parse, regexp.MustCompile, sort.Strings, strconv.Itoa, sync.NewCond, utf8.RuneLen}

func Handle(ctx context.Context, event map[string]any) (any, error) { return event, nil }
`;
/** Changes when SEED_HANDLER or the build's flags do, so that old seeds are not used. */
const SEED_VERSION = 1;
/** Most output of a failed compile kept for its error. */
const MAX_OUTPUT_BYTES = 64 * 1024;

/**
 * Compiles Go functions (runtimes/README.md, "Go"): a version's files plus the bootstrap, with the
 * runtime's toolchain, `CGO_ENABLED=0`, in the sandbox and without network, into a static binary
 * kept under `cacheDir` by a key of everything that goes into it; compiling the same again returns
 * that binary without running Go.
 *
 * A cold `go build` compiles the standard library first (seconds); so each toolchain gets a build
 * cache built once, in the sandbox, from a seed program, which every compile starts from a copy of
 * (a copy: the executor gives the workspace to the sandbox's user).
 *
 * Dependencies: none are downloaded. A function's own packages (subdirectories of its module) and
 * vendored modules (`vendor/`, as `go mod vendor` makes it) compile; anything else fails with Go's
 * "module lookup disabled" error.
 */
export class GoCompiler {
  private readonly cacheDir: string;
  private readonly bootstrapDir: string;
  private readonly limits: ExecutionLimits;
  private readonly pending = new Map<string, Promise<CompiledGoFunction>>();
  private readonly seeds = new Map<string, Promise<string>>();

  constructor(private readonly options: GoCompilerOptions) {
    this.cacheDir = path.resolve(options.cacheDir);
    this.bootstrapDir = path.resolve(options.bootstrapDir ?? path.join(HOST_BOOTSTRAP_DIR, 'go'));
    this.limits = { ...DEFAULT_LIMITS, timeoutMs: 5 * 60_000, ...options.limits };
    for (const dir of ['', 'bin', 'seeds', 'work']) {
      mkdirSync(path.join(this.cacheDir, dir), { recursive: true, mode: 0o755 });
    }
    this.removeAbandonedWorkspaces();
  }

  /** The cache key of a version's binary: the runtime, its exact toolchain, the bootstrap and the files. */
  keyOf(runtime: RuntimeInstall, files: SourceFile[]): string {
    const hash = createHash('sha256');
    const add = (text: string): void => void hash.update(`${Buffer.byteLength(text)}:${text}`);
    add(`${runtime.id} ${runtime.version} ${runtime.executable}`);
    for (const file of this.bootstrapFiles()) {
      add(file.path);
      add(file.content);
    }
    for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      add(file.path);
      add(file.content);
    }
    return `${runtime.id}-${hash.digest('hex').slice(0, 40)}`;
  }

  async compile(runtime: RuntimeInstall, files: SourceFile[]): Promise<CompiledGoFunction> {
    const started = performance.now();
    checkRuntime(runtime);
    checkFiles(files, this.bootstrapFiles());
    const key = this.keyOf(runtime, files);
    const binary = path.join(this.cacheDir, 'bin', key);
    if (existsSync(binary)) return { binary, key, cached: true, durationMs: Math.round(performance.now() - started) };
    let compiling = this.pending.get(key);
    if (!compiling) {
      compiling = this.build(runtime, files, key, binary, started).finally(() => this.pending.delete(key));
      this.pending.set(key, compiling);
    }
    return compiling;
  }

  /** Builds the runtime's warm build cache now rather than at its first compile. */
  async warm(runtime: RuntimeInstall): Promise<void> {
    checkRuntime(runtime);
    await this.seed(runtime);
  }

  private async build(
    runtime: RuntimeInstall,
    files: SourceFile[],
    key: string,
    binary: string,
    started: number,
  ): Promise<CompiledGoFunction> {
    const seed = await this.seed(runtime);
    const workspace = this.workspace(key, runtime, files, seed);
    try {
      await this.goBuild(runtime, workspace, `Go compilation failed (${runtime.id})`);
      this.keep(path.join(workspace, 'handler'), binary);
      return { binary, key, cached: false, durationMs: Math.round(performance.now() - started) };
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  }

  /** The runtime's warm GOCACHE: built once per toolchain by compiling the seed program. */
  private seed(runtime: RuntimeInstall): Promise<string> {
    const name = `${runtime.id}-${runtime.version}-${SEED_VERSION}`;
    const dir = path.join(this.cacheDir, 'seeds', name);
    let seeding = this.seeds.get(name);
    if (!seeding) {
      seeding = (async () => {
        if (existsSync(dir)) return dir;
        const workspace = this.workspace(`seed-${name}`, runtime, [{ path: 'handler.go', content: SEED_HANDLER }]);
        try {
          await this.goBuild(runtime, workspace, `cannot build the Go build cache of ${runtime.id}`);
          const cache = path.join(workspace, 'gocache');
          this.own(cache);
          try {
            renameSync(cache, dir);
          } catch (error) {
            // Another process made it first.
            if (!existsSync(dir)) throw error;
          }
          return dir;
        } finally {
          rmSync(workspace, { recursive: true, force: true });
        }
      })();
      seeding.catch(() => this.seeds.delete(name));
      this.seeds.set(name, seeding);
    }
    return seeding;
  }

  /** A fresh workspace: `src/` with the files, the bootstrap and a go.mod, and `gocache/`. */
  private workspace(key: string, runtime: RuntimeInstall, files: SourceFile[], seed?: string): string {
    const workspace = mkdtempSync(path.join(this.cacheDir, 'work', `${key}-`));
    const src = path.join(workspace, 'src');
    const all = [...files, ...this.bootstrapFiles()];
    if (!files.some((f) => path.posix.normalize(f.path) === 'go.mod')) {
      all.push({ path: 'go.mod', content: `module function\n\ngo ${runtime.id.slice('go'.length)}\n` });
    }
    for (const file of all) {
      const target = path.join(src, file.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, file.content);
    }
    if (seed) cpSync(seed, path.join(workspace, 'gocache'), { recursive: true });
    else mkdirSync(path.join(workspace, 'gocache'));
    return workspace;
  }

  private async goBuild(runtime: RuntimeInstall, workspace: string, failure: string): Promise<void> {
    let output = '';
    const execution = this.options.executor.run({
      // HOME is the workspace, wherever the executor puts it.
      command: [
        'export GOCACHE="$HOME/gocache" GOPATH="$HOME/gopath"',
        `exec ${shellQuote(runtime.executable!)} build -trimpath -ldflags='-s -w' -o "$HOME/handler" . 2>&1`,
      ].join('; '),
      workspace,
      cwd: 'src',
      env: {
        ...runtime.env,
        GOPROXY: 'off',
        GOSUMDB: 'off',
        GOTELEMETRY: 'off',
        GOFLAGS: '-buildvcs=false',
      },
      readOnlyMounts: runtime.mounts,
      network: false,
      limits: this.limits,
      onLine: (line) => {
        if (output.length < MAX_OUTPUT_BYTES) output += `${line.text}\n`;
      },
    });
    const result = await execution.result;
    if (result.exitCode === 0 && existsSync(path.join(workspace, 'handler'))) return;
    const why = result.timedOut ? ` (timed out after ${this.limits.timeoutMs} ms)` : '';
    // Go's own heading (`# function`) says nothing to the function's author.
    throw new GoCompileError(`${failure}${why}`, output.replace(/^# .*\n/gm, '').trimEnd());
  }

  /** Workspaces a process left when it died compiling: older than any compile can take. */
  private removeAbandonedWorkspaces(): void {
    const work = path.join(this.cacheDir, 'work');
    for (const name of readdirSync(work)) {
      const dir = path.join(work, name);
      if (Date.now() - statSync(dir).mtimeMs > 2 * this.limits.timeoutMs) rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Moves the built binary into the cache, the platform's own file now. */
  private keep(built: string, binary: string): void {
    this.own(built);
    chmodSync(built, 0o755);
    renameSync(built, binary);
  }

  /** Gives back to the platform's user what the sandbox's user made. */
  private own(target: string): void {
    if (process.getuid?.() === 0) spawnSync('chown', ['-R', '0:0', target]);
  }

  private bootstrapCache: SourceFile[] | undefined;

  private bootstrapFiles(): SourceFile[] {
    return (this.bootstrapCache ??= readdirSync(this.bootstrapDir)
      .filter((name) => name.endsWith('.go'))
      .sort()
      .map((name) => ({ path: name, content: readFileSync(path.join(this.bootstrapDir, name), 'utf8') })));
  }
}

function checkRuntime(runtime: RuntimeInstall): void {
  if (runtime.language !== 'go') throw new Error(`${runtime.id} is not a Go runtime`);
  if (!runtime.available || !runtime.executable) {
    throw new Error(`${runtime.id} is not available on this host: ${runtime.reason ?? 'no toolchain'}`);
  }
}

/** Paths must stay inside the version, and leave the bootstrap's names to it. */
function checkFiles(files: SourceFile[], bootstrap: SourceFile[]): void {
  for (const file of files) {
    const normalized = path.posix.normalize(file.path);
    if (
      path.posix.isAbsolute(normalized) ||
      normalized.startsWith('../') ||
      normalized === '..' ||
      file.path.includes('\0')
    ) {
      throw new GoCompileError(`${file.path} is not a path inside the function`, '');
    }
    if (bootstrap.some((b) => b.path === normalized)) {
      throw new GoCompileError(`${file.path} is the platform's bootstrap file; give yours another name`, '');
    }
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
