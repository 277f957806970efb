import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import type { SharedCache } from '../common/cache/shared-cache';
import { SharedCacheFactory } from '../common/cache/shared-cache.factory';
import { newObjectId, toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import { AnalyticsException, AnalyticsExceptionReason } from './analytics.exception';
import { MetricSeriesRecord } from './metric-series.schema';
import type { CheckedPoint, Labels } from './metric-rules';
import type { MetricSource } from './metrics.types';

/** A series' key within its project: the metric's name and its label set's digest. */
const seriesKey = (name: string, labelsKey: string): string => `${name}\u0000${labelsKey}`;

/** A series as the recorder writes to it: its id and reference value (null: a series stored without one). */
export interface SeriesRef {
  id: string;
  ref: number | null;
}

/** A series another batch is creating. */
type PendingSeries = Pick<MetricSeriesRecord, '_id' | 'createdAt'>;

/** A series pending for longer than this many MONGODB_TIMEOUT_MS was left by a creator that stopped midway. */
const PENDING_STALE_TIMEOUTS = 4;

/** Rounds of creating a batch's series, when others take theirs back meanwhile, before giving up. */
const CREATE_ATTEMPTS = 5;

/** Series looked at per round of the expiry sweep. */
const EXPIRE_BATCH = 1_000;

/** What a write noted of a series it wrote to. */
export interface SeenSeries {
  lastSeenAt: Date;
  unit: string | null;
  /** Its cache key (`MetricSeriesService.cacheKey`). */
  cacheKey: string;
}

/** A series a query's filter matched. */
export type MatchedSeries = Pick<MetricSeriesRecord, '_id' | 'ref' | 'lastSeenAt'>;

/** What one metric name of a project holds, for `metricNames`. */
export interface MetricNameSummary {
  name: string;
  unit: string | null;
  source: MetricSource;
  series: number;
  lastSeenAt: Date;
}

/**
 * The registry of series: finds the series of a batch's points, creating those that are new within
 * the bounds on label sets per metric and metric names per project. Known series are cached in
 * every process (keys `<projectId>:<name>\0<labelsKey>`), so recording a known series reads nothing.
 */
@Injectable()
export class MetricSeriesService {
  private readonly known: SharedCache<SeriesRef>;
  /** Creations in this process, one at a time, so that two batches cannot both take the last place. */
  private creating: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectModel(MetricSeriesRecord.name) private readonly series: Model<MetricSeriesRecord>,
    private readonly config: AppConfig,
    caches: SharedCacheFactory,
  ) {
    this.known = caches.create<SeriesRef>({ topic: 'metric-series', maxEntries: 200_000, maxAgeMs: 3_600_000 });
  }

  /**
   * The series of each point (by `seriesKey`), creating missing series. Refuses the whole
   * batch, creating nothing, when a new label set or name would pass a bound.
   */
  async resolve(
    projectId: string,
    source: MetricSource,
    points: readonly CheckedPoint[],
  ): Promise<Map<string, SeriesRef>> {
    const ids = new Map<string, SeriesRef>();
    const missing = new Map<string, CheckedPoint>();
    for (const point of points) {
      const key = seriesKey(point.name, point.labelsKey);
      if (ids.has(key) || missing.has(key)) continue;
      const id = this.known.get(`${projectId}:${key}`);
      if (id === undefined) missing.set(key, point);
      else ids.set(key, id);
    }
    if (missing.size === 0) return ids;

    await this.load(projectId, missing, ids);
    if (missing.size === 0) return ids;
    const run = this.creating.then(() => this.create(projectId, source, missing, ids));
    this.creating = run.catch(() => undefined);
    await run;
    return ids;
  }

  /**
   * Moves the series of `missing` that exist, and are no longer pending, into `ids` (and the
   * cache). Returns those found pending: another batch is creating them and may yet take them back.
   */
  private async load(
    projectId: string,
    missing: Map<string, CheckedPoint>,
    ids: Map<string, SeriesRef>,
  ): Promise<PendingSeries[]> {
    const points = [...missing.values()];
    const found = await this.series
      .find(
        {
          projectId: toObjectId(projectId),
          name: { $in: [...new Set(points.map((p) => p.name))] },
          labelsKey: { $in: [...new Set(points.map((p) => p.labelsKey))] },
        },
        { _id: 1, name: 1, labelsKey: 1, ref: 1, pending: 1, createdAt: 1 },
      )
      .lean()
      .exec();
    const pending: PendingSeries[] = [];
    for (const record of found) {
      const key = seriesKey(record.name, record.labelsKey);
      if (!missing.has(key)) continue;
      if (record.pending) {
        pending.push({ _id: record._id, createdAt: record.createdAt });
        continue;
      }
      const series: SeriesRef = { id: record._id.toHexString(), ref: record.ref ?? null };
      missing.delete(key);
      ids.set(key, series);
      await this.known.getOrLoad(`${projectId}:${key}`, () => Promise.resolve({ value: series }));
    }
    return pending;
  }

  /**
   * Loads the series of `missing` that exist, waiting while some are pending (being created by
   * another batch, here or in another process) until their creator keeps them or takes them back.
   * A series pending for longer than any creation takes is one whose creator stopped midway: it
   * is removed (nothing was written under it: no one uses a pending series) and made again.
   */
  private async settle(
    projectId: string,
    missing: Map<string, CheckedPoint>,
    ids: Map<string, SeriesRef>,
  ): Promise<void> {
    const staleAfterMs = PENDING_STALE_TIMEOUTS * this.config.MONGODB_TIMEOUT_MS;
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      const pending = await this.load(projectId, missing, ids);
      if (pending.length === 0) return;
      const stale = pending.filter((p) => p.createdAt.getTime() < Date.now() - staleAfterMs);
      if (stale.length > 0) {
        await this.series.deleteMany({ _id: { $in: stale.map((p) => p._id) }, pending: true }).exec();
      } else {
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /**
   * Creates the series of `missing`, within the bounds. A new series is stored `pending`, then the
   * bounds are checked again with it stored (processes checking at the same moment may together
   * have passed them, and each then takes its own back); only then is it kept, and only a kept
   * series is used, by this process or any other. So no process ever writes under a series that
   * is taken back.
   */
  private async create(
    projectId: string,
    source: MetricSource,
    missing: Map<string, CheckedPoint>,
    ids: Map<string, SeriesRef>,
  ): Promise<void> {
    const project = toObjectId(projectId);
    for (let attempt = 1; ; attempt++) {
      // Another batch may have made some of them while this one waited its turn, or be making them.
      await this.settle(projectId, missing, ids);
      if (missing.size === 0) return;
      if (attempt > CREATE_ATTEMPTS) {
        throw new AnalyticsException(
          AnalyticsExceptionReason.RECORDER_BUSY,
          'New series of these points are being created and taken back by others at the same time; try again',
          { retryAfterSeconds: 1 },
        );
      }
      const adding = new Map<string, number>();
      for (const point of missing.values()) adding.set(point.name, (adding.get(point.name) ?? 0) + 1);
      const newNames = await this.checkBounds(project, source, adding, false);

      const now = new Date();
      const records = [...missing.values()].map((point) => ({
        _id: newObjectId(),
        projectId: project,
        name: point.name,
        labels: point.labels,
        labelsKey: point.labelsKey,
        unit: point.unit,
        source,
        // The first value met: near the series' values, so sums of squares shifted by it keep their precision.
        ref: point.value,
        createdAt: now,
        lastSeenAt: point.at,
        pending: true,
      }));
      let inserted = records;
      try {
        await this.series.collection.insertMany(records, { ordered: false });
      } catch (error) {
        // Another batch made the same series at the same time: theirs is the one, once it is kept.
        const writeErrors = (error as { writeErrors?: { index: number; code?: number }[] }).writeErrors;
        if (!writeErrors?.length || !writeErrors.every((e) => e.code === 11000)) throw error;
        const duplicates = new Set(writeErrors.map((e) => e.index));
        inserted = records.filter((_r, index) => !duplicates.has(index));
      }
      if (inserted.length === 0) continue;
      const mine = { _id: { $in: inserted.map((r) => r._id) }, pending: true };
      // Processes that checked the bounds at the same time may together have passed them: each takes its own back.
      try {
        await this.checkBounds(project, source, adding, true, newNames);
      } catch (refusal) {
        await this.series.deleteMany(mine).exec();
        throw refusal;
      }
      await this.series.updateMany(mine, { $unset: { pending: 1 } }).exec();
      // The next turn loads them, kept, with those another batch was making.
    }
  }

  /**
   * Refuses new series past the bounds: ANALYTICS_MAX_SERIES_PER_METRIC label sets of a metric,
   * ANALYTICS_MAX_METRICS_PER_PROJECT names in a project. `adding` counts the new series per name.
   * Before the insert (`stored` false) it counts them on top of what is stored and returns the new
   * names; after it, it checks that what is stored keeps to the bounds where this batch added.
   */
  private async checkBounds(
    project: Types.ObjectId,
    source: MetricSource,
    adding: ReadonlyMap<string, number>,
    stored: boolean,
    newNamesBefore: readonly string[] = [],
  ): Promise<string[]> {
    const maxSeries = this.config.ANALYTICS_MAX_SERIES_PER_METRIC;
    const maxNames = this.config.ANALYTICS_MAX_METRICS_PER_PROJECT;
    // The platform's own names (a fixed few) neither count against users' allowance nor are refused by it.
    const names = (await this.series.distinct('name', { projectId: project, source: 'user' }).exec()) as string[];
    const newNames = stored ? [...newNamesBefore] : [...adding.keys()].filter((name) => !names.includes(name));
    const nameCount = stored ? names.length : names.length + newNames.length;
    if (source === 'user' && newNames.length > 0 && nameCount > maxNames) {
      throw new AnalyticsException(
        AnalyticsExceptionReason.TOO_MANY_METRICS,
        `A project may have at most ${maxNames} metric names`,
        { limit: maxNames },
      );
    }
    const counts = await this.series
      .aggregate<{ _id: string; n: number }>([
        { $match: { projectId: project, name: { $in: [...adding.keys()] } } },
        { $group: { _id: '$name', n: { $sum: 1 } } },
      ])
      .exec();
    for (const [name, added] of adding) {
      const count = (counts.find((c) => c._id === name)?.n ?? 0) + (stored ? 0 : added);
      if (count > maxSeries) {
        throw new AnalyticsException(
          AnalyticsExceptionReason.LABEL_CARDINALITY_EXCEEDED,
          `Metric "${name}" may have at most ${maxSeries} label sets (series): these points would add more`,
          { metric: name, limit: maxSeries },
        );
      }
    }
    return newNames;
  }

  /**
   * Notes the latest time and unit of series written to: one update per series per write. Returns
   * the ids of those that no longer exist (their metric was deleted, or they expired, while the
   * write was under way), forgotten here, so that the writer removes what it put under them.
   */
  async touch(seen: ReadonlyMap<string, SeenSeries>): Promise<string[]> {
    if (seen.size === 0) return [];
    const result = await this.series.collection.bulkWrite(
      [...seen].map(([id, { lastSeenAt, unit }]) => ({
        updateOne: {
          filter: { _id: toObjectId(id) },
          update: { $max: { lastSeenAt }, ...(unit === null ? {} : { $set: { unit } }) },
        },
      })),
      { ordered: false },
    );
    if (result.matchedCount >= seen.size) return [];
    const ids = [...seen.keys()];
    const existing = await this.series
      .find({ _id: { $in: ids.map(toObjectId) } }, { _id: 1 })
      .lean()
      .exec();
    const found = new Set(existing.map((record) => record._id.toHexString()));
    const gone = ids.filter((id) => !found.has(id));
    // This process may have cached them after another forgot them: forget them here too.
    for (const id of gone) this.known.forgetLocally(seen.get(id)!.cacheKey);
    return gone;
  }

  /** The cache key of a series of a project: what `resolve` caches it under. */
  static cacheKey(projectId: string, name: string, labelsKey: string): string {
    return `${projectId}:${seriesKey(name, labelsKey)}`;
  }

  /**
   * Deletes a metric's series (`deleteMetric`), and forgets them in every process before
   * resolving; the caller deletes their buckets and points next. Returns the ids of those that
   * went: a series another process makes again meanwhile is a new one, with data of its own.
   */
  async deleteMetric(projectId: string, name: string): Promise<Types.ObjectId[]> {
    const project = toObjectId(projectId);
    const found = await this.series.find({ projectId: project, name }, { _id: 1 }).lean().exec();
    const ids = found.map((s) => s._id);
    if (ids.length > 0) await this.series.deleteMany({ projectId: project, _id: { $in: ids } }).exec();
    await this.known.forget(`${projectId}:${name}\u0000`);
    return ids;
  }

  /**
   * Deletes series whose latest point is older than `cutoff` (the day buckets' retention) and that
   * have no bucket left (`hasBuckets` tells which of some ids have), and series left pending since
   * before `pendingCutoff` by a creator that stopped. They count against the bounds no more.
   * Forgets them in every process. Returns how many went.
   */
  async expire(
    cutoff: Date,
    pendingCutoff: Date,
    hasBuckets: (ids: Types.ObjectId[]) => Promise<Types.ObjectId[]>,
  ): Promise<number> {
    let expired = (await this.series.deleteMany({ pending: true, createdAt: { $lt: pendingCutoff } }).exec())
      .deletedCount;
    let after: Types.ObjectId | undefined;
    for (;;) {
      const batch = await this.series
        .find(
          { lastSeenAt: { $lt: cutoff }, ...(after ? { _id: { $gt: after } } : {}) },
          { _id: 1, projectId: 1, name: 1 },
        )
        .sort({ _id: 1 })
        .limit(EXPIRE_BATCH)
        .lean()
        .exec();
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!._id;
      const kept = new Set((await hasBuckets(batch.map((r) => r._id))).map((id) => id.toHexString()));
      const gone = batch.filter((r) => !kept.has(r._id.toHexString()));
      if (gone.length > 0) {
        // Only if still that old: a batch recording to one of them now has moved its lastSeenAt on.
        const deleted = await this.series
          .deleteMany({ _id: { $in: gone.map((r) => r._id) }, lastSeenAt: { $lt: cutoff } })
          .exec();
        expired += deleted.deletedCount;
        const metrics = new Set(gone.map((r) => `${r.projectId.toHexString()}:${r.name}\u0000`));
        for (const prefix of metrics) await this.known.forget(prefix);
      }
      if (batch.length < EXPIRE_BATCH) break;
    }
    return expired;
  }

  /** The series of `name` whose labels include every one of `labels`: their ids, reference values and latest points. */
  async matching(projectId: string, name: string, labels: Labels): Promise<MatchedSeries[]> {
    const filter: Record<string, unknown> = { projectId: toObjectId(projectId), name, pending: { $ne: true } };
    for (const [key, value] of Object.entries(labels)) filter[`labels.${key}`] = value;
    return this.series.find(filter, { _id: 1, ref: 1, lastSeenAt: 1 }).lean<MatchedSeries[]>().exec();
  }

  /** Every metric name of a project, with its series count, unit and latest point. */
  async names(projectId: string): Promise<MetricNameSummary[]> {
    const project = toObjectId(projectId);
    const [rows, units] = await Promise.all([
      this.series
        .aggregate<{ _id: string; series: number; lastSeenAt: Date; source: MetricSource }>([
          { $match: { projectId: project, pending: { $ne: true } } },
          {
            $group: {
              _id: '$name',
              series: { $sum: 1 },
              lastSeenAt: { $max: '$lastSeenAt' },
              source: { $first: '$source' },
            },
          },
          { $sort: { _id: 1 } },
        ])
        .exec(),
      // The unit of the series seen last among those that name one.
      this.series
        .aggregate<{ _id: string; unit: string }>([
          { $match: { projectId: project, pending: { $ne: true }, unit: { $type: 'string' } } },
          { $sort: { lastSeenAt: 1 } },
          { $group: { _id: '$name', unit: { $last: '$unit' } } },
        ])
        .exec(),
    ]);
    const unitOf = new Map(units.map((row) => [row._id, row.unit]));
    return rows.map((row) => ({
      name: row._id,
      unit: unitOf.get(row._id) ?? null,
      source: row.source,
      series: row.series,
      lastSeenAt: row.lastSeenAt,
    }));
  }

  /** A deleted project's series, forgotten here and in every other process. */
  async forgetProject(projectId: string): Promise<void> {
    await this.series.deleteMany({ projectId: toObjectId(projectId) }).exec();
    await this.known.forget(`${projectId}:`);
  }
}
