import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { unreachableServiceOf } from '../common/availability/backing-services';
import { canonicalId, newObjectId } from '../common/mongo/object-id';
import type { RequestContext } from '../common/context/request-context';
import { AppException, CommonException, CommonExceptionReason } from '../common/errors/app.exception';
import { AppConfig } from '../config/app-config';
import { ErrorCode } from '../common/errors/error-code';
import type { Connection } from '../common/pagination/connection';
import { paginate } from '../common/pagination/paginate';
import { AuditLogRecord, AuditOutcome } from './audit-log.schema';
import type { AuditLogsArgs } from './dto/audit-logs.args';
import { AuditLog } from './models/audit-log.model';
import { redact, redactPaths } from './redact';

export interface AuditEntry {
  ctx: RequestContext;
  operation: string;
  args: Record<string, unknown>;
  projectId?: string | null;
  actorId?: string | null;
  outcome: AuditOutcome;
  error?: unknown;
  durationMs: number;
}

/** Most entries one write carries. */
const WRITE_BATCH = 500;
const RETRY_FIRST_MS = 200;
const RETRY_MAX_MS = 5_000;

interface Pending {
  seq: number;
  record: AuditLogRecord;
  stored: () => void;
}

/** Someone waiting for every entry up to `seq` to be stored. */
interface Waiter {
  seq: number;
  resolve: () => void;
}

/** The counts an operator watches: entries waiting for MongoDB, and entries lost because the backlog was full. */
export interface AuditBacklog {
  pending: number;
  lost: number;
  full: boolean;
}

/**
 * Writes the audit log. No mutation is acknowledged before its entry is stored: the mutation
 * audit waits for `confirm`. Entries of concurrent requests share one write (a group commit:
 * whatever arrived while a write was under way goes in the next one), so waiting costs about one
 * insert. When MongoDB cannot take them, entries stay in memory, in order, and the writer retries
 * until it can; past `AUDIT_MAX_PENDING` mutations are refused rather than acknowledged without
 * an entry, and denied attempts that do not fit are counted and logged as lost.
 */
@Injectable()
export class AuditService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private pending: Pending[] = [];
  private waiters: Waiter[] = [];
  private nextSeq = 0;
  private writing = false;
  private outageSince: number | undefined;
  private lost = 0;
  private closed = false;
  /** Errors already recorded as denials, so that the mutation audit does not record them again. */
  private readonly denials = new WeakSet<object>();
  /** Per operation, the arguments that hold secrets (see AuditSecretArgs). */
  private readonly secretArgs = new Map<string, readonly string[]>();

  constructor(
    @InjectModel(AuditLogRecord.name) private readonly logs: Model<AuditLogRecord>,
    private readonly config: AppConfig,
  ) {}

  backlog(): AuditBacklog {
    return { pending: this.pending.length, lost: this.lost, full: this.isFull() };
  }

  /** Refuses a mutation up front when its entry could not be kept (a full backlog, or a process stopping). */
  assertAccepting(): void {
    if (this.isFull() || this.closed) {
      throw new CommonException(
        CommonExceptionReason.AUDIT_UNAVAILABLE,
        'The audit log cannot store entries right now, so no change is accepted; try again shortly',
        { retryAfterSeconds: 5 },
      );
    }
  }

  /**
   * Records the entry of a mutation about to be acknowledged and resolves once it is stored.
   * Throws SERVICE_UNAVAILABLE when that takes longer than `MONGODB_TIMEOUT_MS`: the entry stays
   * queued, but the caller must not be told the change was made.
   */
  async confirm(entry: AuditEntry): Promise<void> {
    const stored = this.enqueue(entry);
    if (!stored || !(await this.within(stored, this.config.MONGODB_TIMEOUT_MS))) {
      // The change was made: the caller must look before retrying, so this is not a plain "try again".
      throw new CommonException(
        CommonExceptionReason.AUDIT_UNCONFIRMED,
        'The change may have been made, but the audit log could not store it in time; check its outcome before retrying',
      );
    }
  }

  /**
   * Records a failed or denied attempt. Waits for it to be stored, but no longer than
   * `MONGODB_TIMEOUT_MS`, and not at all while the store is known to be down: the entry is kept
   * and retried either way, and the attempt's own error is what the caller needs to see.
   */
  async record(entry: AuditEntry): Promise<void> {
    try {
      const stored = this.enqueue(entry);
      if (stored && this.outageSince === undefined) await this.within(stored, this.config.MONGODB_TIMEOUT_MS);
    } catch (error) {
      this.logger.error(`Could not record an audit entry for ${entry.operation}: ${(error as Error).message}`);
    }
  }

  recordDenied(
    ctx: RequestContext,
    operation: string,
    args: Record<string, unknown>,
    projectId: string | undefined,
    error: Error,
  ): Promise<void> {
    this.denials.add(error);
    return this.record({ ctx, operation, args, projectId, outcome: AuditOutcome.DENIED, error, durationMs: 0 });
  }

  /**
   * Leaves a refusal out of the audit log on purpose (one that repeats a refusal recorded moments
   * ago), so that the mutation audit does not record it either.
   */
  waive(error: Error): void {
    this.denials.add(error);
  }

  /** Whether `error` was already recorded as a denial, or waived. */
  isRecorded(error: unknown): boolean {
    return typeof error === 'object' && error !== null && this.denials.has(error);
  }

  /** Resolves once every entry recorded so far is stored, or after `waitMs`; true if it was stored. */
  flush(waitMs = this.config.MONGODB_TIMEOUT_MS): Promise<boolean> {
    const last = this.pending.at(-1);
    if (!last) return Promise.resolve(true);
    return this.within(new Promise<void>((resolve) => this.waiters.push({ seq: last.seq, resolve })), waitMs);
  }

  private isFull(): boolean {
    return this.pending.length >= this.config.AUDIT_MAX_PENDING;
  }

  /**
   * Queues the entry; the promise resolves when it is stored (never rejects). Undefined when the
   * entry could not be kept: the backlog is full, or the process is past its final flush.
   */
  private enqueue(entry: AuditEntry): Promise<void> | undefined {
    const record = this.toRecord(entry);
    if (this.closed) {
      this.logger.error(`An audit entry for ${entry.operation} came after the final flush and is lost`);
      return undefined;
    }
    if (this.isFull()) {
      if (this.lost++ === 0) {
        this.logger.error(
          `Audit backlog full (${this.config.AUDIT_MAX_PENDING} entries waiting for MongoDB): mutations are refused and denied attempts are lost until it drains`,
        );
      }
      return undefined;
    }
    const seq = this.nextSeq++;
    const stored = new Promise<void>((resolve) => this.pending.push({ seq, record, stored: resolve }));
    void this.drain();
    return stored;
  }

  private storedUpTo(seq: number): void {
    if (this.waiters.length === 0) return;
    const waiting: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.seq <= seq) waiter.resolve();
      else waiting.push(waiter);
    }
    this.waiters = waiting;
  }

  private within(promise: Promise<void>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      promise.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    let retryMs = RETRY_FIRST_MS;
    try {
      while (this.pending.length > 0 && !this.closed) {
        const batch = this.pending.slice(0, WRITE_BATCH);
        try {
          await this.write(batch.map((p) => p.record));
        } catch (error) {
          this.writeFailed(error as Error);
          await new Promise((resolve) => setTimeout(resolve, retryMs));
          retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
          continue;
        }
        retryMs = RETRY_FIRST_MS;
        this.pending.splice(0, batch.length);
        for (const entry of batch) entry.stored();
        this.storedUpTo(batch.at(-1)!.seq);
        if (this.outageSince !== undefined) this.writeRecovered();
      }
    } finally {
      this.writing = false;
    }
  }

  /**
   * Inserts with a journaled write, so an acknowledged entry survives a crash of the database as
   * well. Entries keep their ids across attempts: one that a failed attempt did store comes back
   * as a duplicate the next time, which means it is stored.
   */
  private async write(records: AuditLogRecord[]): Promise<void> {
    try {
      await this.logs.collection.insertMany(records, { ordered: false, writeConcern: { w: 'majority', j: true } });
    } catch (error) {
      const { writeErrors, result } = error as {
        writeErrors?: Array<{ code?: number }>;
        result?: { getWriteConcernError?: () => unknown };
      };
      const onlyDuplicates =
        Array.isArray(writeErrors) && writeErrors.length > 0 && writeErrors.every((e) => e.code === 11000);
      // Duplicates mean stored, unless the journal or majority was not reached for the others.
      if (!onlyDuplicates || result?.getWriteConcernError?.()) throw error;
    }
  }

  private writeFailed(error: Error): void {
    if (this.outageSince !== undefined) return;
    this.outageSince = Date.now();
    this.logger.error(
      `Could not store audit entries (${error.message}); ${this.pending.length} kept in memory and retried until MongoDB takes them`,
    );
  }

  private writeRecovered(): void {
    const seconds = ((Date.now() - this.outageSince!) / 1000).toFixed(1);
    this.outageSince = undefined;
    this.logger.log(
      `Audit entries are stored again after ${seconds} s${this.lost > 0 ? `; ${this.lost} denied attempts were lost to a full backlog` : ''}`,
    );
  }

  /** Entries of `operation`, granted or denied, never record the arguments at `paths`. */
  keepSecret(operation: string, paths: readonly string[]): void {
    this.secretArgs.set(operation, paths);
  }

  private toRecord(entry: AuditEntry): AuditLogRecord {
    const { ctx, error } = entry;
    const code =
      error === undefined
        ? null
        : error instanceof AppException
          ? error.code
          : unreachableServiceOf(error)
            ? ErrorCode.SERVICE_UNAVAILABLE
            : ErrorCode.INTERNAL_SERVER_ERROR;
    return {
      _id: newObjectId(),
      actorId: entry.actorId ?? ctx.actorId ?? null,
      actorEmail: ctx.user?.email ?? null,
      // A token acts for its owner (`ctx.user`); sign-up and sign-in name their new user as the actor.
      actorUserId: ctx.user?.id ?? canonicalId(entry.actorId) ?? null,
      projectId: entry.projectId ?? null,
      operation: entry.operation,
      arguments: redact(redactPaths(entry.args, this.secretArgs.get(entry.operation) ?? [])) as Record<string, unknown>,
      outcome: entry.outcome,
      errorCode: code,
      errorReason: error instanceof AppException ? error.reason : null,
      durationMs: Math.round(entry.durationMs * 100) / 100,
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
      requestId: ctx.requestId,
      occurredAt: new Date(),
    };
  }

  async list(args: AuditLogsArgs): Promise<Connection<AuditLog>> {
    await this.flush();
    const filter: Record<string, unknown> = { projectId: args.projectId };
    if (args.actorId) filter.actorId = args.actorId;
    if (args.operation) filter.operation = args.operation;
    if (args.outcome) filter.outcome = args.outcome;
    if (args.since || args.until) {
      filter.occurredAt = {
        ...(args.since ? { $gte: args.since } : {}),
        ...(args.until ? { $lt: args.until } : {}),
      };
    }
    return paginate(this.logs, filter, args, AuditLog.from);
  }

  /**
   * Before, not on, application shutdown: by then requests and sockets have drained, and the
   * database connection, which closes on shutdown, is still open. The writer gets
   * `MONGODB_TIMEOUT_MS` to store what is queued (acknowledged mutations are stored already);
   * entries still waiting after it are lost, loudly.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const stored = await this.flush(this.config.MONGODB_TIMEOUT_MS);
    this.closed = true;
    if (!stored) this.logger.error(`Stopping with ${this.pending.length} audit entries that MongoDB did not take`);
  }
}
