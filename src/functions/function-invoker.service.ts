import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import type { PubSubEngine } from 'graphql-subscriptions';
import { Types, type Model } from 'mongoose';
import type { RequestContext } from '../common/context/request-context';
import { EventBus } from '../common/events/event-bus';
import { isObjectId, toObjectId } from '../common/mongo/object-id';
import type { Connection } from '../common/pagination/connection';
import { paginate } from '../common/pagination/paginate';
import { PUB_SUB } from '../common/pubsub/pubsub.token';
import { AppConfig } from '../config/app-config';
import { EnvVarsService } from '../settings/env-vars/env-vars.service';
import { EnvTarget } from '../settings/env-vars/env-var.schema';
import { ProjectSettingsService } from '../settings/project-settings.service';
import type { ExecutionLogsArgs } from './dto/functions.args';
import type { TestFunctionInput } from './dto/invoke-function.input';
import { FunctionFailedEvent, FunctionInvokedEvent } from './events/function-lifecycle.event';
import { FunctionException, FunctionExceptionReason } from './function.exception';
import {
  FunctionInvocationRecord,
  type InvocationErrorRecord,
  InvocationMode,
  InvocationStatus,
  InvocationTrigger,
} from './function-invocation.schema';
import type { FunctionRecord } from './function.schema';
import { FunctionNetwork } from './function.schema';
import { FunctionRuntimesService } from './function-runtimes.service';
import { bucketStats, functionStats, type InvocationSample } from './function-stats';
import { FunctionsService } from './functions.service';
import { FUNCTIONS_QUEUE, FunctionJob, type FunctionJobPayloads, invocationsTrigger } from './jobs/function-jobs';
import { FunctionInvocation } from './models/function-invocation.model';
import { FunctionAnalytics, FunctionMetrics, FunctionMetricsBucket } from './models/function-metrics.model';
import { type InstancePlan, PoolSaturated, type SpareKind } from './runtime/runtime-pool';
import { LoadFailure, type LogLine, type ProcessOutcome } from './runtime/runtime-process';

/** What runs: a stored version, or code given to testFunction. */
interface CodeToRun {
  versionId: Types.ObjectId | null;
  number: number | null;
  runtime: string;
  handler: string;
  hash: string;
  files: ReadonlyArray<{ path: string; content: string }>;
}

/** The part of an invocation record that running it fills in. */
type RunFields = Pick<
  FunctionInvocationRecord,
  | 'status'
  | 'resultJson'
  | 'error'
  | 'logs'
  | 'logsTruncated'
  | 'durationMs'
  | 'coldStart'
  | 'coldStartMs'
  | 'peakMemoryBytes'
  | 'cpuTimeMs'
  | 'startedAt'
  | 'finishedAt'
  | 'versionId'
  | 'versionNumber'
>;

/** What a subscriber of invocationCompleted receives (it crosses Redis as JSON). */
export interface InvocationMessage {
  projectId: string;
  invocation: ReturnType<typeof toPlain>;
}

/**
 * How runtimes say, as they die, that they could not allocate. Ruby says `[FATAL] failed to
 * allocate memory` when its object heap cannot grow during a collection, where it cannot raise a
 * NoMemoryError.
 */
const MEMORY_ERRORS =
  /out of memory|bad_alloc|allocation failed|Cannot allocate memory|failed to allocate memory|MemoryError|failed to reserve/i;
const MAX_STATS_INVOCATIONS = 100_000;
/** Functions looked at, and kinds of spare started at most, at boot. */
const BOOT_SAMPLE = 500;
const MAX_BOOT_KINDS = 8;
const MAX_STATS_RANGE_MS = 92 * 86_400_000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * Runs functions: synchronously in this process's pool, or queued for a worker; records every
 * invocation with its outcome, output and cost, announces it, and answers the questions about them.
 */
@Injectable()
export class FunctionInvokerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(FunctionInvokerService.name);
  /** The plan of each function's live code, while neither the function nor the project's variables change. */
  private readonly plans = new Map<string, { stamp: string; plan: InstancePlan }>();

  constructor(
    @InjectModel(FunctionInvocationRecord.name) private readonly invocations: Model<FunctionInvocationRecord>,
    @InjectQueue(FUNCTIONS_QUEUE) private readonly queue: Queue<FunctionJobPayloads[FunctionJob.INVOKE]>,
    private readonly functions: FunctionsService,
    private readonly runtimes: FunctionRuntimesService,
    private readonly envVars: EnvVarsService,
    private readonly projectSettings: ProjectSettingsService,
    private readonly events: EventBus,
    @Inject(PUB_SUB) private readonly pubSub: PubSubEngine,
    private readonly config: AppConfig,
  ) {}

  /**
   * Starts spares for the runtimes, network modes and memory sizes the enabled functions use, so
   * that the first cold start after a restart finds one too (not only the ones after it).
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.FUNCTION_SPARE_PROCESSES === 0) return;
    try {
      const kinds = new Map<string, SpareKind>();
      for (const record of await this.functions.enabledSample(BOOT_SAMPLE)) {
        if (!record.activeVersionId || kinds.size >= MAX_BOOT_KINDS) continue;
        const version = await this.functions.versionRecord(record.activeVersionId).catch(() => null);
        const runtime = version ? this.runtimes.list().find((r) => r.id === version.runtime && r.available) : undefined;
        if (!runtime) continue;
        const network = record.network !== FunctionNetwork.NONE;
        kinds.set(`${runtime.id}:${network}:${record.memoryMb}`, { runtime, network, memoryMb: record.memoryMb });
      }
      for (const kind of kinds.values()) this.runtimes.pool.prepare(kind);
    } catch (error) {
      this.logger.warn(`Could not start spare runtime processes at boot: ${(error as Error).message}`);
    }
  }

  /** Invokes the function's active version: SYNC answers with the outcome, ASYNC with the queued invocation. */
  async invoke(
    actorId: string | undefined,
    functionId: string,
    payload: unknown,
    mode: InvocationMode,
    trigger: InvocationTrigger,
  ): Promise<FunctionInvocation> {
    const record = await this.functions.record(functionId);
    const payloadJson = this.payloadJson(payload);
    if (mode === InvocationMode.ASYNC) {
      assertInvocable(record);
      return FunctionInvocation.from(await this.enqueue(record, payloadJson, trigger, actorId));
    }
    return FunctionInvocation.from(await this.invokeNow(record, payloadJson, trigger, actorId));
  }

  /** Runs the function's active version here and now, and records how it went (API and HTTP triggers). */
  async invokeNow(
    record: FunctionRecord,
    payloadJson: string,
    trigger: InvocationTrigger,
    actorId: string | undefined,
  ): Promise<FunctionInvocationRecord> {
    assertInvocable(record);
    const id = new Types.ObjectId();
    const code = await this.activeCode(record);
    const fields = await this.run(record, code, id.toHexString(), payloadJson, true);
    return this.store(record, { _id: id, mode: InvocationMode.SYNC, trigger, actorId, payloadJson: null }, fields);
  }

  /** A cron schedule fired: the invocation is recorded and run at once, on this worker. */
  async runScheduled(functionId: string): Promise<void> {
    const record = await this.functions.record(functionId).catch(() => null);
    if (!record?.enabled || !record.activeVersionId) return;
    const queued = await this.createQueued(record, 'null', InvocationTrigger.CRON, undefined);
    await this.runQueued(queued._id.toHexString());
  }

  /** Queues an invocation for a worker (async invokes, events). */
  async enqueue(
    record: FunctionRecord,
    payloadJson: string,
    trigger: InvocationTrigger,
    actorId?: string,
  ): Promise<FunctionInvocationRecord> {
    const created = await this.createQueued(record, payloadJson, trigger, actorId);
    const invocationId = created._id.toHexString();
    await this.queue.add(
      FunctionJob.INVOKE,
      { invocationId },
      { jobId: invocationId, removeOnComplete: true, removeOnFail: 100 },
    );
    return created;
  }

  /** The size check of an event given to a function, and its JSON. */
  payloadJson(payload: unknown): string {
    const json = JSON.stringify(payload ?? null);
    if (Buffer.byteLength(json) > this.config.FUNCTION_MAX_PAYLOAD_BYTES) {
      throw new FunctionException(
        FunctionExceptionReason.PAYLOAD_TOO_LARGE,
        `The payload is larger than ${this.config.FUNCTION_MAX_PAYLOAD_BYTES} bytes of JSON`,
      );
    }
    return json;
  }

  private async createQueued(
    record: FunctionRecord,
    payloadJson: string,
    trigger: InvocationTrigger,
    actorId: string | undefined,
  ): Promise<FunctionInvocationRecord> {
    return (
      await this.invocations.create({
        functionId: record._id,
        projectId: record.projectId,
        mode: InvocationMode.ASYNC,
        trigger,
        status: InvocationStatus.QUEUED,
        payloadJson,
        createdBy: actorId ?? null,
        expiresAt: this.expiry(),
      })
    ).toObject();
  }

  /** Runs a queued invocation (on a worker); an invocation already taken is left alone. */
  async runQueued(invocationId: string): Promise<void> {
    const taken = await this.invocations
      .findOneAndUpdate(
        { _id: toObjectId(invocationId), status: InvocationStatus.QUEUED },
        { $set: { status: InvocationStatus.RUNNING, startedAt: new Date() } },
        { returnDocument: 'after' },
      )
      .lean<FunctionInvocationRecord>()
      .exec();
    if (!taken) {
      await this.failLost(invocationId);
      return;
    }
    let fields: RunFields;
    let record: FunctionRecord | null = null;
    try {
      record = await this.functions.record(taken.functionId.toHexString());
      assertInvocable(record);
      fields = await this.run(record, await this.activeCode(record), invocationId, taken.payloadJson ?? 'null', true);
    } catch (error) {
      fields = failedFields({
        type: error instanceof FunctionException ? error.reason : 'Error',
        message: (error as Error).message,
        stack: '',
      });
    }
    const updated = await this.invocations
      .findByIdAndUpdate(taken._id, { $set: { ...fields, payloadJson: null } }, { returnDocument: 'after' })
      .lean<FunctionInvocationRecord>()
      .exec();
    if (updated) await this.announce(record, updated);
  }

  /**
   * Bull hands a job to another worker only when the one running it stopped (its lock lapsed): an
   * invocation still RUNNING then will never finish, and is failed with the reason rather than run
   * a second time (its side effects may have happened).
   */
  private async failLost(invocationId: string): Promise<void> {
    const lost = await this.invocations
      .findOneAndUpdate(
        { _id: toObjectId(invocationId), status: InvocationStatus.RUNNING },
        {
          $set: {
            status: InvocationStatus.FAILED,
            error: {
              type: 'WorkerLost',
              message: 'The worker running the invocation stopped before it finished',
              stack: '',
            },
            payloadJson: null,
            finishedAt: new Date(),
          },
        },
        { returnDocument: 'after' },
      )
      .lean<FunctionInvocationRecord>()
      .exec();
    if (lost) await this.announce(await this.functions.record(lost.functionId.toHexString()).catch(() => null), lost);
  }

  /** Runs a payload against the given code, or the active version, without counting as production traffic. */
  async test(ctx: RequestContext, input: TestFunctionInput): Promise<FunctionInvocation> {
    const record = await this.functions.record(input.functionId);
    const payloadJson = this.payloadJson(input.payload);
    let code: CodeToRun;
    if (input.files) {
      const active = record.activeVersionId ? await this.functions.versionRecord(record.activeVersionId) : null;
      const given = this.functions.testCode(
        input.runtime ?? active?.runtime ?? '',
        input.handler ?? active?.handler,
        input.files,
      );
      code = { versionId: null, number: null, ...given };
      await this.runtimes.check(code);
    } else {
      code = await this.activeCode(record);
    }
    const id = new Types.ObjectId();
    const fields = await this.run(record, code, id.toHexString(), payloadJson, false);
    return FunctionInvocation.from(
      await this.store(
        record,
        {
          _id: id,
          mode: InvocationMode.SYNC,
          trigger: InvocationTrigger.TEST,
          actorId: ctx.actorId,
          payloadJson: null,
        },
        fields,
      ),
    );
  }

  async get(invocationId: string): Promise<FunctionInvocation> {
    return FunctionInvocation.from(await this.record(invocationId));
  }

  async projectOf(invocationId: string): Promise<string | null> {
    if (!isObjectId(invocationId)) return null;
    const found = await this.invocations
      .findById(invocationId, { projectId: 1 })
      .lean<FunctionInvocationRecord>()
      .exec();
    return found?.projectId.toHexString() ?? null;
  }

  /** A function's invocations with their output, newest first, filtered. */
  logs(args: ExecutionLogsArgs): Promise<Connection<FunctionInvocation>> {
    if (args.from && args.to && args.from >= args.to) throw invalidPeriod();
    const filter: Record<string, unknown> = { functionId: toObjectId(args.functionId) };
    if (args.status) filter.status = args.status;
    if (args.trigger) filter.trigger = args.trigger;
    if (args.from || args.to) {
      filter.createdAt = { ...(args.from ? { $gte: args.from } : {}), ...(args.to ? { $lt: args.to } : {}) };
    }
    if (args.search) filter['logs.text'] = { $regex: escapeRegex(args.search) };
    return paginate(this.invocations, filter, args, (record) => FunctionInvocation.from(record));
  }

  async metrics(functionId: string, from: Date, to: Date): Promise<FunctionMetrics> {
    if (from >= to || to.getTime() - from.getTime() > MAX_STATS_RANGE_MS) throw invalidPeriod();
    return FunctionMetrics.from(functionStats(await this.samples(functionId, from, to)));
  }

  async analytics(functionId: string, days: number): Promise<FunctionAnalytics> {
    const now = Date.now();
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const from = new Date(today - (days - 1) * DAY_MS);
    const hourFrom = new Date(Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS);
    const samples = await this.samples(functionId, from < hourFrom ? from : hourFrom, new Date(now + 1));
    const toBuckets = (buckets: ReturnType<typeof bucketStats>): FunctionMetricsBucket[] =>
      buckets.map((b) =>
        Object.assign(new FunctionMetricsBucket(), { start: b.start, metrics: FunctionMetrics.from(b.stats) }),
      );
    return Object.assign(new FunctionAnalytics(), {
      daily: toBuckets(bucketStats(samples, from, DAY_MS, days)),
      hourly: toBuckets(bucketStats(samples, hourFrom, HOUR_MS, 24)),
    });
  }

  /** Ends every queued invocation of a function that went (their jobs find nothing to run). */
  async forgetFunction(functionId: string): Promise<void> {
    await this.invocations.deleteMany({ functionId: toObjectId(functionId) }).exec();
    this.plans.delete(functionId);
  }

  private async samples(functionId: string, from: Date, to: Date): Promise<InvocationSample[]> {
    return this.invocations
      .find(
        {
          functionId: toObjectId(functionId),
          createdAt: { $gte: from, $lt: to },
          trigger: { $ne: InvocationTrigger.TEST },
        },
        { status: 1, durationMs: 1, coldStart: 1, coldStartMs: 1, createdAt: 1 },
      )
      .limit(MAX_STATS_INVOCATIONS)
      .lean<InvocationSample[]>()
      .exec();
  }

  private async record(invocationId: string): Promise<FunctionInvocationRecord> {
    const found = isObjectId(invocationId)
      ? await this.invocations.findById(invocationId).lean<FunctionInvocationRecord>().exec()
      : null;
    if (!found) throw new FunctionException(FunctionExceptionReason.INVOCATION_NOT_FOUND, 'No such invocation');
    return found;
  }

  private async activeCode(record: FunctionRecord): Promise<CodeToRun> {
    if (!record.activeVersionId) {
      throw new FunctionException(FunctionExceptionReason.NO_ACTIVE_VERSION, 'The function has no active version');
    }
    const version = await this.functions.versionRecord(record.activeVersionId);
    return {
      versionId: version._id,
      number: version.number,
      runtime: version.runtime,
      handler: version.handler,
      hash: version.hash,
      files: version.files,
    };
  }

  /** How the pool runs this code of this function now: its settings, variables and limits. */
  private async plan(record: FunctionRecord, code: CodeToRun): Promise<InstancePlan> {
    const functionId = record._id.toHexString();
    const projectId = record.projectId.toHexString();
    const envVersion = await this.envVars.version(projectId);
    const stamp = `${record.revision}:${envVersion}:${code.hash}`;
    const cached = this.plans.get(functionId);
    if (cached?.stamp === stamp) return cached.plan;
    const settings = await this.projectSettings.get(projectId);
    const projectEnv = await this.envVars.forEnvironment(
      projectId,
      EnvTarget.PRODUCTION,
      settings.deployment.productionBranch,
    );
    const runtime = this.runtimes.require(code.runtime);
    const live = code.versionId !== null && record.activeVersionId?.equals(code.versionId) === true;
    const plan: InstancePlan = {
      key: `${functionId}:${stamp}`,
      runtime,
      network: record.network !== FunctionNetwork.NONE,
      codeDir: await this.runtimes.codeDir(code),
      handler: code.handler,
      env: { ...projectEnv.variables, ...this.functions.env(record) },
      memoryMb: record.memoryMb,
      function: { name: record.name, version: code.number ?? 0, memoryMb: record.memoryMb },
      maxInstances: record.maxConcurrency ?? this.config.FUNCTION_MAX_CONCURRENCY,
      // Only the live code keeps instances when idle; a test's go once idle.
      minInstances: live
        ? Math.min(
            record.minWarmInstances ?? settings.autoscaling.minWarmInstances,
            settings.autoscaling.maxWarmInstances,
          )
        : 0,
    };
    // Test runs of other code do not replace the live code's plan; a live plan replaced (the
    // project's variables changed) retires the instances loaded with the old one.
    if (live) {
      if (cached) this.runtimes.pool.retire(cached.plan.key);
      this.plans.set(functionId, { stamp, plan });
    }
    return plan;
  }

  /** Runs the code once in this process's pool and says how it went. */
  private async run(
    record: FunctionRecord,
    code: CodeToRun,
    invocationId: string,
    payloadJson: string,
    keepWarm: boolean,
  ): Promise<RunFields> {
    const startedAt = new Date();
    const timeoutMs = record.timeoutSeconds * 1000;
    const plan = await this.plan(record, code);
    const version = { versionId: code.versionId, versionNumber: code.number };
    let lease;
    try {
      lease = await this.runtimes.pool.acquire(plan, timeoutMs);
    } catch (error) {
      if (error instanceof PoolSaturated) {
        throw new FunctionException(
          FunctionExceptionReason.CONCURRENCY_LIMIT,
          `All ${plan.maxInstances} instances of the function are busy; try again shortly`,
        );
      }
      if (error instanceof LoadFailure) {
        return { ...failedFields(error.error), ...version, coldStart: true, startedAt };
      }
      throw error;
    }
    let outcome: ProcessOutcome;
    try {
      outcome = await lease.instance.process.invoke(invocationId, payloadJson, Date.now() + timeoutMs, {
        timeoutMs,
        maxResultBytes: this.config.FUNCTION_MAX_RESULT_BYTES,
        maxLogBytes: this.config.FUNCTION_MAX_LOG_BYTES,
      });
    } catch (error) {
      // Whatever went wrong, the instance is not left busy for ever: it goes.
      this.runtimes.pool.release(lease.instance, false);
      throw error;
    }
    const { status, error } = judge(outcome, record);
    this.runtimes.pool.release(
      lease.instance,
      status === InvocationStatus.SUCCEEDED || status === InvocationStatus.FAILED,
    );
    // Only the live code is kept warm: not a test's, nor a plan the function has moved on from.
    if (keepWarm && plan.minInstances > 0 && this.plans.get(record._id.toHexString())?.plan === plan) {
      this.runtimes.pool.warm(plan);
    }
    return {
      ...version,
      status,
      error,
      resultJson: outcome.kind === 'OK' ? outcome.resultJson : null,
      logs: outcome.logs,
      logsTruncated: outcome.logsTruncated,
      durationMs: round(outcome.durationMs),
      coldStart: lease.cold,
      coldStartMs: lease.coldStartMs === null ? null : round(lease.coldStartMs),
      peakMemoryBytes: outcome.peakMemoryBytes,
      cpuTimeMs: outcome.cpuTimeMs === null ? null : round(outcome.cpuTimeMs),
      startedAt,
      finishedAt: new Date(),
    };
  }

  private async store(
    record: FunctionRecord,
    base: {
      _id: Types.ObjectId;
      mode: InvocationMode;
      trigger: InvocationTrigger;
      actorId: string | undefined;
      payloadJson: string | null;
    },
    fields: RunFields,
  ): Promise<FunctionInvocationRecord> {
    const stored = (
      await this.invocations.create({
        _id: base._id,
        functionId: record._id,
        projectId: record.projectId,
        mode: base.mode,
        trigger: base.trigger,
        payloadJson: base.payloadJson,
        createdBy: base.actorId ?? null,
        expiresAt: this.expiry(),
        ...fields,
      })
    ).toObject();
    await this.announce(record, stored);
    return stored;
  }

  /** Tells the function's subscribers and the platform (function.invoked / function.failed) how it went. */
  private async announce(record: FunctionRecord | null, invocation: FunctionInvocationRecord): Promise<void> {
    const projectId = invocation.projectId.toHexString();
    const message: InvocationMessage = { projectId, invocation: toPlain(invocation) };
    await this.pubSub
      .publish(invocationsTrigger(invocation.functionId.toHexString()), message)
      .catch((error: Error) => this.logger.warn(`Could not publish an invocation: ${error.message}`));
    if (invocation.trigger === InvocationTrigger.TEST) return;
    const Event = invocation.status === InvocationStatus.SUCCEEDED ? FunctionInvokedEvent : FunctionFailedEvent;
    await this.events.publish(
      new Event(
        projectId,
        invocation.createdBy ?? undefined,
        invocation.functionId.toHexString(),
        record?.name ?? '',
        invocation._id.toHexString(),
        invocation.status,
        invocation.trigger,
        invocation.durationMs,
        invocation.coldStart,
        invocation.error ? `${invocation.error.type}: ${invocation.error.message}`.slice(0, 500) : null,
      ),
    );
  }

  private expiry(): Date {
    return new Date(Date.now() + this.config.FUNCTION_INVOCATION_RETENTION_DAYS * DAY_MS);
  }
}

/** A finished invocation as plain JSON, and back (subscriptions). */
export function toPlain(record: FunctionInvocationRecord) {
  const invocation = FunctionInvocation.from(record);
  return {
    ...invocation,
    createdAt: invocation.createdAt.toISOString(),
    startedAt: invocation.startedAt?.toISOString() ?? null,
    finishedAt: invocation.finishedAt?.toISOString() ?? null,
    logs: invocation.logs.map((line) => ({ ...line, at: line.at.toISOString() })),
  };
}

export function fromPlain(plain: InvocationMessage['invocation']): FunctionInvocation {
  return Object.assign(new FunctionInvocation(), {
    ...plain,
    createdAt: new Date(plain.createdAt),
    startedAt: plain.startedAt ? new Date(plain.startedAt) : null,
    finishedAt: plain.finishedAt ? new Date(plain.finishedAt) : null,
    logs: plain.logs.map((line) => ({ ...line, at: new Date(line.at) })),
  });
}

function assertInvocable(record: FunctionRecord): void {
  if (!record.enabled) {
    throw new FunctionException(
      FunctionExceptionReason.FUNCTION_DISABLED,
      `The function ${record.name} is disabled; enable it with toggleFunction to invoke it`,
    );
  }
}

/** The invocation's status and error from how its process ended. */
function judge(
  outcome: ProcessOutcome,
  record: FunctionRecord,
): { status: InvocationStatus; error: InvocationErrorRecord | null } {
  const memory = (): { status: InvocationStatus; error: InvocationErrorRecord } => ({
    status: InvocationStatus.MEMORY_LIMIT_EXCEEDED,
    error: {
      type: 'MemoryLimitExceeded',
      message: `The function used more than its ${record.memoryMb} MB of memory`,
      stack: outcome.error?.stack || outcome.exitReport || '',
    },
  });
  switch (outcome.kind) {
    case 'OK':
      return { status: InvocationStatus.SUCCEEDED, error: null };
    case 'ERROR': {
      const error = outcome.error ?? { type: 'Error', message: 'The handler failed', stack: '' };
      const outOfMemory =
        error.type === 'MemoryError' ||
        error.type === 'NoMemoryError' ||
        (error.type === 'RangeError' && MEMORY_ERRORS.test(error.message));
      return outOfMemory ? memory() : { status: InvocationStatus.FAILED, error };
    }
    case 'TIMEOUT':
      return {
        status: InvocationStatus.TIMED_OUT,
        error: {
          type: 'Timeout',
          message: `The function ran past its timeout of ${record.timeoutSeconds} s and was stopped`,
          stack: '',
        },
      };
    case 'RESULT_TOO_LARGE':
      return {
        status: InvocationStatus.FAILED,
        error: { type: 'ResultTooLarge', message: 'The result is larger than the platform takes', stack: '' },
      };
    case 'CRASHED':
      // The runtime names the cause where its report starts, which a long report (Go's trace of
      // every goroutine) pushes out of the exit report's tail; the invocation's stderr has all of it.
      if (MEMORY_ERRORS.test(outcome.exitReport ?? '') || outcome.logs.some(isMemoryReport)) return memory();
      return {
        status: InvocationStatus.FAILED,
        error: {
          type: 'ProcessExited',
          message: `The function's process exited during the invocation${outcome.exit ? ` (${outcome.exit})` : ''}`,
          stack: outcome.exitReport ?? '',
        },
      };
  }
}

function isMemoryReport(line: LogLine): boolean {
  return line.stream === 'stderr' && MEMORY_ERRORS.test(line.text);
}

function failedFields(error: InvocationErrorRecord): RunFields {
  const now = new Date();
  return {
    status: InvocationStatus.FAILED,
    error,
    resultJson: null,
    logs: [],
    logsTruncated: false,
    durationMs: null,
    coldStart: false,
    coldStartMs: null,
    peakMemoryBytes: null,
    cpuTimeMs: null,
    startedAt: now,
    finishedAt: now,
    versionId: null,
    versionNumber: null,
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function invalidPeriod(): FunctionException {
  return new FunctionException(
    FunctionExceptionReason.INVALID_PERIOD,
    '`from` must be before `to`, at most 92 days apart',
  );
}
