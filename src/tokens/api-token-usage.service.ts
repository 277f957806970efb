import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { isDuplicateKeyError } from '../common/mongo/mongo-errors';
import { toObjectId } from '../common/mongo/object-id';
import { ApiTokenRecord } from './api-token.schema';
import { ApiTokenUsageRecord, USAGE_KEPT_DAYS } from './api-token-usage.schema';
import type { ApiTokenUsage } from './models/api-token-usage.model';

/** How often a process stores the uses it counted. */
export const USAGE_FLUSH_INTERVAL_MS = 5_000;

interface PendingUse {
  /** Uses per UTC day (`YYYY-MM-DD`). */
  days: Map<string, number>;
  lastUsedAt: Date;
  lastUsedIp: string | null;
}

const DAY_MS = 86_400_000;

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** When a UTC day's usage row is deleted: USAGE_KEPT_DAYS after the day starts. */
export function usageExpiry(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + USAGE_KEPT_DAYS * DAY_MS);
}

/**
 * Counts API tokens' uses without a write per request: each process adds them up in memory and
 * stores them every few seconds ($inc per token and UTC day, the last use if it is newer) and
 * before it stops. Counts not yet stored when a process dies are lost; a report asked of a
 * process includes what it has not stored yet.
 */
@Injectable()
export class ApiTokenUsageService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ApiTokenUsageService.name);
  private pending = new Map<string, PendingUse>();
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @InjectModel(ApiTokenUsageRecord.name) private readonly usage: Model<ApiTokenUsageRecord>,
    @InjectModel(ApiTokenRecord.name) private readonly tokens: Model<ApiTokenRecord>,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), USAGE_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch((error: unknown) => {
      this.logger.warn(`API token usage not stored before stopping: ${(error as Error).message}`);
    });
  }

  /** One use of a token; synchronous, on the request's path. */
  record(tokenId: string, ip: string | undefined, at = new Date()): void {
    let entry = this.pending.get(tokenId);
    if (!entry) this.pending.set(tokenId, (entry = { days: new Map(), lastUsedAt: at, lastUsedIp: ip ?? null }));
    const day = utcDay(at);
    entry.days.set(day, (entry.days.get(day) ?? 0) + 1);
    if (at >= entry.lastUsedAt) {
      entry.lastUsedAt = at;
      entry.lastUsedIp = ip ?? null;
    }
  }

  /** Stores what this process counted so far; resolves once it and any write under way are stored. */
  flush(): Promise<void> {
    const next = this.writing.then(() => this.write());
    // A failed write keeps its counts for the next one and must not fail the writes after it.
    this.writing = next.catch(() => undefined);
    return next;
  }

  /**
   * Before a read: stores what this process counted, and when that fails, logs it and keeps the
   * counts for the next write, so the read answers with what is stored instead of failing.
   */
  async flushBeforeRead(): Promise<void> {
    await this.flush().catch((error: unknown) => {
      this.logger.warn(
        `API token usage not stored before a read; answering with what is stored: ${(error as Error).message}`,
      );
    });
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const unstored = new Map<string, PendingUse>();
    let failure: unknown;
    await Promise.all(
      [...batch].map(async ([tokenId, entry]) => {
        const id = toObjectId(tokenId);
        for (const [day, count] of entry.days) {
          try {
            await this.count(id, day, count);
          } catch (error) {
            failure = error;
            const left = unstored.get(tokenId) ?? { ...entry, days: new Map<string, number>() };
            left.days.set(day, count);
            unstored.set(tokenId, left);
          }
        }
        await this.tokens
          .updateOne(
            { _id: id, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: entry.lastUsedAt } }] },
            { $set: { lastUsedAt: entry.lastUsedAt, lastUsedIp: entry.lastUsedIp } },
          )
          .exec()
          .catch((error: unknown) => {
            failure = error;
            if (!unstored.has(tokenId)) unstored.set(tokenId, { ...entry, days: new Map() });
          });
      }),
    );
    if (unstored.size > 0) {
      this.putBack(unstored);
      throw failure;
    }
  }

  private async count(tokenId: Types.ObjectId, day: string, count: number): Promise<void> {
    const add = () =>
      this.usage
        .updateOne(
          { tokenId, day },
          { $inc: { count }, $setOnInsert: { expiresAt: usageExpiry(day) } },
          { upsert: true },
        )
        .exec();
    try {
      await add();
    } catch (error) {
      // Two processes creating one day's row at once: the loser's insert fails on the unique
      // index, and is retried as an update of the row that now exists.
      if (!isDuplicateKeyError(error)) throw error;
      await add();
    }
  }

  /** Counts a failed write did not store go back beside those counted since. */
  private putBack(batch: Map<string, PendingUse>): void {
    for (const [tokenId, entry] of batch) {
      const current = this.pending.get(tokenId);
      if (!current) {
        this.pending.set(tokenId, entry);
        continue;
      }
      for (const [day, count] of entry.days) current.days.set(day, (current.days.get(day) ?? 0) + count);
      if (entry.lastUsedAt > current.lastUsedAt) {
        current.lastUsedAt = entry.lastUsedAt;
        current.lastUsedIp = entry.lastUsedIp;
      }
    }
  }

  /** A token's uses over the last `days` UTC days, today included. */
  async report(record: ApiTokenRecord, days: number, now = new Date()): Promise<ApiTokenUsage> {
    const wanted = Array.from({ length: days }, (_, i) => utcDay(new Date(now.getTime() - (days - 1 - i) * DAY_MS)));
    const rows = await this.usage
      .find({ tokenId: record._id, day: { $gte: wanted[0]!, $lte: wanted[wanted.length - 1]! } })
      .select({ day: 1, count: 1 })
      .lean<Pick<ApiTokenUsageRecord, 'day' | 'count'>[]>()
      .exec();
    const byDay = new Map<string, number>();
    for (const row of rows) byDay.set(row.day, (byDay.get(row.day) ?? 0) + row.count);
    const perDay = wanted.map((day) => ({ day, count: byDay.get(day) ?? 0 }));
    return {
      tokenId: record._id.toHexString(),
      lastUsedAt: record.lastUsedAt,
      lastUsedIp: record.lastUsedIp,
      totalCount: perDay.reduce((sum, d) => sum + d.count, 0),
      days: perDay,
    };
  }
}
