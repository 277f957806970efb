import { buildStats, dailyBuckets, type BuildTimes } from './build-stats';
import { BuildStatus } from './build.schema';
import { CacheUse } from './cache/build-cache.schema';

const at = (iso: string): Date => new Date(iso);
const build = (status: BuildStatus, queued: string, waitMs: number | null, durationMs: number | null): BuildTimes => {
  const queuedAt = at(queued);
  const startedAt = waitMs === null ? null : new Date(queuedAt.getTime() + waitMs);
  return {
    status,
    queuedAt,
    startedAt,
    finishedAt: startedAt && durationMs !== null ? new Date(startedAt.getTime() + durationMs) : null,
  };
};

describe('buildStats', () => {
  it('rates cache hits among the builds that looked for a cache', () => {
    const withCache = (status: CacheUse | null): BuildTimes => ({
      ...build(BuildStatus.SUCCEEDED, '2026-11-20T10:00:00Z', 0, 1),
      cache: status === null ? null : { status },
    });
    expect(buildStats([withCache(null), withCache(CacheUse.SKIPPED)]).cacheHitRate).toBeNull();
    expect(
      buildStats([
        withCache(CacheUse.HIT),
        withCache(CacheUse.MISS),
        withCache(CacheUse.HIT),
        withCache(CacheUse.SKIPPED),
      ]).cacheHitRate,
    ).toBeCloseTo(2 / 3);
  });

  it('counts, rates and times what ran', () => {
    const stats = buildStats([
      build(BuildStatus.SUCCEEDED, '2026-11-20T10:00:00Z', 1_000, 10_000),
      build(BuildStatus.SUCCEEDED, '2026-11-20T11:00:00Z', 3_000, 20_000),
      build(BuildStatus.FAILED, '2026-11-21T10:00:00Z', 2_000, 30_000),
      build(BuildStatus.CANCELED, '2026-11-21T12:00:00Z', null, null),
      build(BuildStatus.QUEUED, '2026-11-21T13:00:00Z', null, null),
    ]);

    expect(stats).toMatchObject({
      total: 5,
      successRate: 2 / 3,
      averageDurationMs: 20_000,
      p50DurationMs: 20_000,
      p95DurationMs: 30_000,
      averageQueueWaitMs: 2_000,
    });
    expect(stats.byStatus).toContainEqual({ status: BuildStatus.CANCELED, count: 1 });
    expect(stats.byStatus).toContainEqual({ status: BuildStatus.RUNNING, count: 0 });
  });

  it('says nothing rather than zero when nothing ran', () => {
    expect(buildStats([])).toMatchObject({
      total: 0,
      successRate: null,
      p95DurationMs: null,
      averageQueueWaitMs: null,
    });
  });

  it('puts builds in the UTC day they were queued', () => {
    const buckets = dailyBuckets(
      [
        build(BuildStatus.SUCCEEDED, '2026-11-20T23:59:59Z', 1, 1),
        build(BuildStatus.FAILED, '2026-11-21T00:00:00Z', 1, 1),
        build(BuildStatus.FAILED, '2026-11-25T00:00:00Z', 1, 1),
      ],
      at('2026-11-20T00:00:00Z'),
      3,
    );
    expect(buckets.map((b) => [b.day.toISOString().slice(0, 10), b.stats.total])).toEqual([
      ['2026-11-20', 1],
      ['2026-11-21', 1],
      ['2026-11-22', 0],
    ]);
  });
});
