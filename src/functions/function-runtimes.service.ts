import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PubSubEngine } from 'graphql-subscriptions';
import { PUB_SUB } from '../common/pubsub/pubsub.token';
import { AppConfig } from '../config/app-config';
import { EXECUTOR, type Executor } from '../executor/executor';
import { FunctionException, FunctionExceptionReason } from './function.exception';
import { RuntimePool } from './runtime/runtime-pool';
import { discoverRuntimes, HOST_BOOTSTRAP_DIR, type RuntimeInstall } from './runtimes/runtime-catalog';
import { GoCompileError, GoCompiler } from './runtimes/go-compiler';

/** The handler a runtime's functions have unless they name another. */
const DEFAULT_HANDLERS: Record<string, string> = {
  nodejs: 'index.handler',
  python: 'main.handler',
  ruby: 'function.handler',
  go: 'main',
};

/** Where a function's code is, as the runtimes need it. */
export interface CodeSource {
  hash: string;
  runtime: string;
  files: ReadonlyArray<{ path: string; content: string }>;
}

/** The PubSub trigger on which a function's changes reach every process's pool. */
const FUNCTION_CHANGES = 'functions:changed';

/**
 * The runtimes this host has (found once, at boot), the code of function versions laid out on disk
 * (and, for Go, compiled) for the sandbox to read, and the pool of runtime processes of this
 * API or worker process.
 */
@Injectable()
export class FunctionRuntimesService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FunctionRuntimesService.name);
  private installs: RuntimeInstall[] = [];
  private readonly codeRoot: string;
  private readonly preparing = new Map<string, Promise<string>>();
  private readonly compiler: GoCompiler;
  readonly pool: RuntimePool;

  constructor(
    private readonly config: AppConfig,
    @Inject(EXECUTOR) executor: Executor,
    @Inject(PUB_SUB) private readonly pubSub: PubSubEngine,
  ) {
    this.codeRoot = mkdtempSync(path.join(tmpdir(), 'slipway-function-code-'));
    chmodSync(this.codeRoot, 0o711);
    this.compiler = new GoCompiler({
      executor,
      cacheDir: path.join(path.resolve(config.STORAGE_DIR), 'functions', 'go'),
    });
    this.pool = new RuntimePool({
      executor,
      bootstrapDir: HOST_BOOTSTRAP_DIR,
      spares: config.FUNCTION_SPARE_PROCESSES,
      idleMs: config.FUNCTION_IDLE_SECONDS * 1000,
      maxProcesses: 256,
    });
  }

  async onModuleInit(): Promise<void> {
    this.installs = await discoverRuntimes({ runtimesDir: path.resolve(this.config.FUNCTION_RUNTIMES_DIR) });
    const missing = this.installs.filter((r) => r.promised && !r.available).map((r) => r.id);
    // Normal on most hosts (a Debian release carries one Ruby and one Python): said, not warned.
    if (missing.length) this.logger.log(`Function runtimes not available on this host: ${missing.join(', ')}`);
    await this.pubSub.subscribe(
      FUNCTION_CHANGES,
      (message: { functionId: string }) => this.pool.retire(`${message.functionId}:`),
      {},
    );
  }

  onApplicationShutdown(): void {
    this.pool.close();
    rmSync(this.codeRoot, { recursive: true, force: true });
  }

  list(): readonly RuntimeInstall[] {
    return this.installs;
  }

  /** The runtime, if this host has it; otherwise a BAD_USER_INPUT naming those it has. */
  require(id: string): RuntimeInstall {
    const found = this.installs.find((runtime) => runtime.id === id);
    if (found?.available) return found;
    const available = this.installs.filter((runtime) => runtime.available).map((runtime) => runtime.id);
    const why = found ? `is not available on this platform (${found.reason ?? 'not installed'})` : 'is not a runtime';
    throw new FunctionException(
      FunctionExceptionReason.RUNTIME_UNAVAILABLE,
      `"${id.slice(0, 32)}" ${why}; available: ${available.join(', ') || 'none'}`,
    );
  }

  defaultHandler(runtime: RuntimeInstall): string {
    return DEFAULT_HANDLERS[runtime.language] ?? 'index.handler';
  }

  /** Tells every process that a function changed: its instances go, the next invocation starts fresh. */
  async changed(functionId: string): Promise<void> {
    this.pool.retire(`${functionId}:`);
    await this.pubSub.publish(FUNCTION_CHANGES, { functionId }).catch(() => undefined);
  }

  /**
   * Compiles a version's code where its runtime compiles (Go), so that errors reach whoever made
   * the version; a runtime that loads source has nothing to do here.
   */
  async check(source: CodeSource): Promise<void> {
    const runtime = this.require(source.runtime);
    if (runtime.language !== 'go') return;
    try {
      await this.compiler.compile(runtime, [...source.files]);
    } catch (error) {
      if (!(error instanceof GoCompileError)) throw error;
      throw new FunctionException(
        FunctionExceptionReason.COMPILE_FAILED,
        `The Go code does not compile:\n${error.output.slice(0, 8_000)}`,
      );
    }
  }

  /** A directory holding the version's files (for Go, its binary), laid out once per content hash. */
  codeDir(source: CodeSource): Promise<string> {
    let preparing = this.preparing.get(source.hash);
    if (!preparing) {
      preparing = this.layOut(source);
      this.preparing.set(source.hash, preparing);
      preparing.catch(() => this.preparing.delete(source.hash));
    }
    return preparing;
  }

  private async layOut(source: CodeSource): Promise<string> {
    const target = path.join(this.codeRoot, source.hash);
    if (existsSync(target)) return target;
    const staging = `${target}.${process.pid}.${Date.now()}`;
    mkdirSync(staging, { mode: 0o755 });
    try {
      const runtime = this.require(source.runtime);
      if (runtime.language === 'go') {
        const compiled = await this.compiler.compile(runtime, [...source.files]);
        mkdirSync(path.join(staging, '.slipway'), { mode: 0o755 });
        copyFileSync(compiled.binary, path.join(staging, '.slipway', 'handler'));
        chmodSync(path.join(staging, '.slipway', 'handler'), 0o755);
      } else {
        for (const file of source.files) {
          const destination = path.join(staging, file.path);
          mkdirSync(path.dirname(destination), { recursive: true, mode: 0o755 });
          writeFileSync(destination, file.content, { mode: 0o644 });
        }
      }
      renameSync(staging, target);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
    return target;
  }
}
