import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { newObjectId } from '../common/mongo/object-id';
import type { RequestContext } from '../common/context/request-context';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import type { Connection } from '../common/pagination/connection';
import { paginate } from '../common/pagination/paginate';
import { AuditLogRecord, AuditOutcome } from './audit-log.schema';
import type { AuditLogsArgs } from './dto/audit-logs.args';
import { AuditLog } from './models/audit-log.model';
import { redact } from './redact';

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

const FLUSH_INTERVAL_MS = 50;
const FLUSH_BATCH = 200;
const MAX_BUFFERED = 10_000;

/**
 * Writes the audit log. `record` only buffers: entries go to the database in batches off the
 * request path, so a slow or failing audit store never slows or fails a request.
 */
@Injectable()
export class AuditService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private buffer: AuditLogRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  /** Errors already recorded as denials, so that the mutation audit does not record them again. */
  private readonly denials = new WeakSet<object>();

  constructor(@InjectModel(AuditLogRecord.name) private readonly logs: Model<AuditLogRecord>) {}

  /** Never throws: it runs inside the request, which must not fail because of its audit entry. */
  record(entry: AuditEntry): void {
    try {
      this.enqueue(entry);
    } catch (error) {
      this.logger.error(`Could not record an audit entry for ${entry.operation}: ${(error as Error).message}`);
    }
  }

  private enqueue(entry: AuditEntry): void {
    const { ctx } = entry;
    const error = entry.error;
    const code =
      error === undefined ? null : error instanceof AppException ? error.code : ErrorCode.INTERNAL_SERVER_ERROR;
    if (this.buffer.length >= MAX_BUFFERED) {
      this.logger.warn('Audit buffer full; dropping the oldest entry');
      this.buffer.shift();
    }
    this.buffer.push({
      _id: newObjectId(),
      actorId: entry.actorId ?? ctx.actorId ?? null,
      actorEmail: ctx.user?.email ?? null,
      projectId: entry.projectId ?? null,
      operation: entry.operation,
      arguments: redact(entry.args) as Record<string, unknown>,
      outcome: entry.outcome,
      errorCode: code,
      errorReason: error instanceof AppException ? error.reason : null,
      durationMs: Math.round(entry.durationMs * 100) / 100,
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
      requestId: ctx.requestId,
      occurredAt: new Date(),
    });
    if (this.buffer.length >= FLUSH_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
  }

  recordDenied(
    ctx: RequestContext,
    operation: string,
    args: Record<string, unknown>,
    projectId: string | undefined,
    error: Error,
  ): void {
    this.denials.add(error);
    this.record({ ctx, operation, args, projectId, outcome: AuditOutcome.DENIED, error, durationMs: 0 });
  }

  /** Whether `error` was already recorded as a denial. */
  isRecorded(error: unknown): boolean {
    return typeof error === 'object' && error !== null && this.denials.has(error);
  }

  /** Writes everything buffered so far; resolves when it is stored (or has failed and been logged). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.inFlight = this.inFlight.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.logs.insertMany(batch, { ordered: false, lean: true });
      } catch (error) {
        this.logger.error(`Could not store ${batch.length} audit entries: ${(error as Error).message}`);
      }
    });
    return this.inFlight;
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
   * database connection, which closes on shutdown, is still open.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
