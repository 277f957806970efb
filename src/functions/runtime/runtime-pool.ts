import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Executor } from '../../executor/executor';
import { GO_ENV, goEnvScript, SANDBOX_BOOTSTRAP_DIR, SANDBOX_TASK_DIR } from '../runtimes/runtime-catalog';
import { RuntimeProcess } from './runtime-process';

/** What the pool needs to know of a runtime to start its processes. */
export interface RuntimeLaunch {
  id: string;
  language: string;
  /** How to start its bootstrap, as the sandbox sees paths. */
  argv: string[];
  /** Host directories of its installation, bound read-only at the same paths. */
  mounts: string[];
  env: Record<string, string>;
}

/** One function version, with its settings, as the pool runs it. */
export interface InstancePlan {
  /** Instances are shared by plans with the same key: the version and everything the process was loaded with. */
  key: string;
  runtime: RuntimeLaunch;
  network: boolean;
  /** A host directory holding the files the handler needs (its code; for Go, the binary). */
  codeDir: string;
  handler: string;
  env: Record<string, string>;
  memoryMb: number;
  function: { name: string; version: number; memoryMb: number };
  /** Instances of this plan that may exist at once. */
  maxInstances: number;
  /** Instances kept even when idle. */
  minInstances: number;
}

export interface PoolOptions {
  executor: Executor;
  bootstrapDir: string;
  /** Pre-started, unassigned processes kept per runtime and network mode once the runtime is used. */
  spares: number;
  idleMs: number;
  maxProcesses: number;
}

export interface Lease {
  instance: Instance;
  cold: boolean;
  /** Time spent starting the instance (load, and a process when no spare was ready). */
  coldStartMs: number | null;
}

export class Instance {
  busy = false;
  lastUsed = performance.now();

  constructor(
    readonly plan: InstancePlan,
    readonly process: RuntimeProcess,
    private readonly slot: string,
  ) {}

  dispose(): void {
    this.process.kill();
    rmSync(this.slot, { recursive: true, force: true });
  }
}

/** An invocation's wait for an instance ended with none: the plan's instances are all busy. */
export class PoolSaturated extends Error {}

/**
 * What a spare is started for: a runtime, a network mode and a memory limit, the three things a
 * process is given when it starts (the operating system's limit cannot be lowered from outside a
 * sandbox's own user namespace afterwards).
 */
export interface SpareKind {
  runtime: RuntimeLaunch;
  network: boolean;
  memoryMb: number;
}

interface Spare {
  process: RuntimeProcess;
  slot: string;
}

interface Group {
  instances: Instance[];
  /** Invocations waiting for an instance: handed an idle one, or `start` when a place came free. */
  waiters: Array<(handed: Instance | 'start' | null) => void>;
  plan: InstancePlan;
  /** Its function changed: its instances end as soon as they are idle. */
  retired?: boolean;
}

/**
 * The processes functions run in, in this API or worker process. A cold start takes a spare: a
 * process of the runtime started ahead, sandboxed, with its bootstrap loaded but no code; the
 * version's files are copied into its (still empty) task directory and its handler loaded. The
 * instance then stays warm for its plan, serving one invocation at a time, until idle too long.
 */
export class RuntimePool {
  private readonly root: string;
  private readonly spares = new Map<string, Spare[]>();
  private readonly starting = new Map<string, number>();
  private readonly groups = new Map<string, Group>();
  private readonly reaper: NodeJS.Timeout;
  private slots = 0;
  private closed = false;

  constructor(private readonly options: PoolOptions) {
    this.root = mkdtempSync(path.join(tmpdir(), 'slipway-functions-'));
    // The sandbox's own user reads the task directories through their binds.
    chmodSync(this.root, 0o711);
    this.reaper = setInterval(() => this.reap(), Math.min(5_000, Math.max(100, options.idleMs / 4)));
    this.reaper.unref();
  }

  /** Takes an idle instance of the plan, or starts one, or waits up to `waitMs` for one to free up. */
  async acquire(plan: InstancePlan, waitMs: number): Promise<Lease> {
    const group = this.group(plan);
    const idle = group.instances.find((instance) => !instance.busy && instance.process.alive);
    if (idle) {
      idle.busy = true;
      return { instance: idle, cold: false, coldStartMs: null };
    }
    if (group.instances.length < plan.maxInstances) return this.startInstance(group);
    const handed = await new Promise<Instance | 'start' | null>((resolve) => {
      const timer = setTimeout(() => {
        group.waiters.splice(group.waiters.indexOf(waiter), 1);
        resolve(null);
      }, waitMs);
      const waiter = (found: Instance | 'start' | null): void => {
        clearTimeout(timer);
        resolve(found);
      };
      group.waiters.push(waiter);
    });
    if (!handed) throw new PoolSaturated(`All ${plan.maxInstances} instances are busy`);
    if (handed === 'start') return this.startInstance(group);
    return { instance: handed, cold: false, coldStartMs: null };
  }

  /** Gives an instance back; an unhealthy one (timed out, crashed) is thrown away. */
  release(instance: Instance, healthy: boolean): void {
    const group = this.groups.get(instance.plan.key);
    instance.lastUsed = performance.now();
    if (!healthy || !instance.process.alive || group?.retired) {
      this.remove(instance);
      // Its place is free: a waiter starts its own.
      group?.waiters.shift()?.('start');
      return;
    }
    const waiter = group?.waiters.shift();
    if (waiter) {
      waiter(instance);
      return;
    }
    instance.busy = false;
  }

  /** Starts instances until the plan has its minimum, without waiting for them. */
  warm(plan: InstancePlan): void {
    const group = this.group(plan);
    if (group.retired) return;
    const missing = Math.min(plan.minInstances, plan.maxInstances) - group.instances.length;
    for (let i = 0; i < missing; i++) {
      void this.startInstance(group).then(
        (lease) => this.release(lease.instance, true),
        () => undefined,
      );
    }
  }

  /**
   * Ends every instance of plans whose key starts with `prefix` (a function changed or went): idle
   * ones now, busy ones when they are given back, whatever the plan's minimum.
   */
  retire(prefix: string): void {
    for (const [key, group] of this.groups) {
      if (!key.startsWith(prefix)) continue;
      group.retired = true;
      for (const instance of [...group.instances]) if (!instance.busy) this.remove(instance);
      if (group.instances.length === 0) this.groups.delete(key);
    }
  }

  /** Starts the spares of a kind ahead of its first use. */
  prepare(kind: SpareKind): void {
    this.refill(kind);
  }

  /** Spares of a kind, ready or starting. */
  sparesOf(kind: SpareKind): number {
    const key = spareKey(kind);
    return (this.spares.get(key)?.length ?? 0) + (this.starting.get(key) ?? 0);
  }

  stats(): { instances: number; spares: number } {
    let instances = 0;
    for (const group of this.groups.values()) instances += group.instances.length;
    let spares = 0;
    for (const list of this.spares.values()) spares += list.length;
    return { instances, spares };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.reaper);
    for (const group of this.groups.values()) for (const instance of group.instances) instance.dispose();
    this.groups.clear();
    for (const list of this.spares.values()) for (const spare of list) spare.process.kill();
    this.spares.clear();
    rmSync(this.root, { recursive: true, force: true });
  }

  private group(plan: InstancePlan): Group {
    let group = this.groups.get(plan.key);
    if (!group) {
      group = { instances: [], waiters: [], plan };
      this.groups.set(plan.key, group);
    }
    group.plan = plan;
    return group;
  }

  private async startInstance(group: Group): Promise<Lease> {
    const plan = group.plan;
    const started = performance.now();
    const placeholder = new Instance(plan, undefined as unknown as RuntimeProcess, '');
    placeholder.busy = true;
    group.instances.push(placeholder);
    try {
      const spare = await this.takeSpare(plan);
      const instance = new Instance(plan, spare.process, spare.slot);
      instance.busy = true;
      group.instances[group.instances.indexOf(placeholder)] = instance;
      try {
        cpSync(plan.codeDir, spare.slot, { recursive: true });
        // Go's spare is a shell waiting to become the function's own binary, which then says ready
        // again; the shell gives it the function's variables, which its package may read as it
        // initializes, before `load`. The file goes once the binary has started.
        if (plan.runtime.language === 'go') {
          const envFile = path.join(spare.slot, GO_ENV);
          writeFileSync(envFile, goEnvScript(plan.env), { mode: 0o644 });
          try {
            await spare.process.exec();
          } finally {
            rmSync(envFile, { force: true });
          }
        }
        await spare.process.load({ handler: plan.handler, env: plan.env, function: plan.function });
      } catch (error) {
        this.remove(instance);
        throw error;
      }
      return { instance, cold: true, coldStartMs: performance.now() - started };
    } catch (error) {
      const at = group.instances.indexOf(placeholder);
      if (at >= 0) group.instances.splice(at, 1);
      group.waiters.shift()?.('start');
      throw error;
    } finally {
      // The next spare starts once this instance is loaded and its caller has sent the first
      // invocation (which follows in the same turn): starting a process holds this one's event loop
      // for milliseconds (the fork), and its interpreter's boot takes a core the load would share.
      setImmediate(() => this.refill(plan));
    }
  }

  private async takeSpare(kind: SpareKind): Promise<Spare> {
    const key = spareKey(kind);
    const list = this.spares.get(key) ?? [];
    this.spares.set(key, list);
    let spare: Spare | undefined;
    while ((spare = list.shift()) && !spare.process.alive) rmSync(spare.slot, { recursive: true, force: true });
    if (spare) {
      await spare.process.ready;
      return spare;
    }
    const fresh = this.startSpare(kind);
    await fresh.process.ready;
    return fresh;
  }

  private refill(kind: SpareKind): void {
    if (this.closed) return;
    const key = spareKey(kind);
    const list = this.spares.get(key) ?? [];
    this.spares.set(key, list);
    const starting = this.starting.get(key) ?? 0;
    for (let i = list.length + starting; i < this.options.spares; i++) {
      this.starting.set(key, (this.starting.get(key) ?? 0) + 1);
      const spare = this.startSpare(kind);
      spare.process.ready.then(
        () => {
          this.starting.set(key, (this.starting.get(key) ?? 1) - 1);
          if (this.closed) spare.process.kill();
          else list.push(spare);
        },
        () => {
          this.starting.set(key, (this.starting.get(key) ?? 1) - 1);
          rmSync(spare.slot, { recursive: true, force: true });
        },
      );
    }
  }

  private startSpare(kind: SpareKind): Spare {
    const { runtime, network } = kind;
    const slot = path.join(this.root, `slot-${++this.slots}`);
    mkdirSync(slot, { mode: 0o755 });
    const running = this.options.executor.start({
      argv: argvFor(kind),
      binds: [
        { source: slot, target: SANDBOX_TASK_DIR },
        { source: this.options.bootstrapDir, target: SANDBOX_BOOTSTRAP_DIR },
        ...runtime.mounts.map((mount) => ({ source: mount, target: mount })),
      ],
      cwd: SANDBOX_TASK_DIR,
      env: runtime.env,
      limits: {
        maxProcesses: this.options.maxProcesses,
        maxFileBytes: 64 * 1024 * 1024,
        maxOpenFiles: 1024,
        maxMemoryBytes: kind.memoryMb * 1024 * 1024,
        maxStackBytes: STACK_BYTES,
      },
      network,
    });
    const spare = { process: new RuntimeProcess(running), slot };
    void spare.process.exited.then(() => {
      const list = this.spares.get(spareKey(kind));
      const at = list?.indexOf(spare) ?? -1;
      if (at >= 0) {
        list!.splice(at, 1);
        rmSync(slot, { recursive: true, force: true });
      }
    });
    return spare;
  }

  private remove(instance: Instance): void {
    const group = this.groups.get(instance.plan.key);
    const at = group?.instances.indexOf(instance) ?? -1;
    if (at >= 0) group!.instances.splice(at, 1);
    if (instance.process) instance.dispose();
  }

  private reap(): void {
    const now = performance.now();
    for (const [key, group] of this.groups) {
      for (const instance of [...group.instances]) {
        if (!instance.process) continue;
        if (!instance.process.alive && !instance.busy) {
          this.remove(instance);
          continue;
        }
        const idle = !instance.busy && now - instance.lastUsed > this.options.idleMs;
        if (idle && (group.retired || group.instances.length > group.plan.minInstances)) this.remove(instance);
      }
      if (group.instances.length === 0 && group.waiters.length === 0) this.groups.delete(key);
    }
  }
}

/** Each thread's stack (and the main one's): enough for deep recursion, small enough not to eat the memory limit. */
const STACK_BYTES = 2 * 1024 * 1024;

/**
 * How a spare of this kind starts its runtime. Node.js gets a JavaScript heap within its memory
 * limit, so that a heap full of objects ends in V8's own "heap out of memory" rather than in an
 * allocation failing somewhere inside V8, which it reports in ways that cannot be told apart.
 */
export function argvFor(kind: SpareKind): string[] {
  const [program, ...rest] = kind.runtime.argv;
  if (kind.runtime.language !== 'nodejs' || !program) return kind.runtime.argv;
  // The rest of the limit is the runtime itself and what V8's collector allocates as it works near
  // the heap's limit; past it the process dies inside V8 instead of saying what happened.
  const heapMb = Math.max(16, kind.memoryMb <= 512 ? Math.floor((kind.memoryMb * 3) / 8) : kind.memoryMb - 320);
  // The young generation is not part of that heap: two semi-spaces of up to 16 MB each by default,
  // too much for a small limit.
  const semiSpaceMb = kind.memoryMb <= 512 ? Math.max(1, Math.floor(kind.memoryMb / 64)) : 16;
  return [program, `--max-old-space-size=${heapMb}`, `--max-semi-space-size=${semiSpaceMb}`, ...rest];
}

function spareKey(kind: SpareKind): string {
  return `${kind.runtime.id}:${kind.network ? 'net' : 'nonet'}:${kind.memoryMb}`;
}
