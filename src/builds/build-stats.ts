import { percentile } from '../common/stats/percentile';
import { BuildStatus } from './build.schema';
import { CacheUse } from './cache/build-cache.schema';

export interface BuildTimes {
  status: BuildStatus;
  cache?: { status: CacheUse } | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface Stats {
  total: number;
  byStatus: Array<{ status: BuildStatus; count: number }>;
  /** Succeeded among finished builds that ran (canceled ones excluded); null when none. */
  successRate: number | null;
  averageDurationMs: number | null;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
  averageQueueWaitMs: number | null;
  /** Builds that restored a cache among those that looked for one; null when none looked. */
  cacheHitRate: number | null;
}

const average = (values: number[]): number | null =>
  values.length === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) / values.length);

/** Totals, success rate, duration percentiles and queue wait of a set of builds. */
export function buildStats(builds: BuildTimes[]): Stats {
  const counts = new Map<BuildStatus, number>();
  for (const build of builds) counts.set(build.status, (counts.get(build.status) ?? 0) + 1);
  const ran = builds.filter((b) => b.startedAt && b.finishedAt);
  const durations = ran.map((b) => b.finishedAt!.getTime() - b.startedAt!.getTime()).sort((a, b) => a - b);
  const waits = builds.filter((b) => b.startedAt).map((b) => b.startedAt!.getTime() - b.queuedAt.getTime());
  const judged = builds.filter((b) =>
    [BuildStatus.SUCCEEDED, BuildStatus.FAILED, BuildStatus.TIMED_OUT].includes(b.status),
  );
  const looked = builds
    .map((b) => b.cache?.status)
    .filter((status) => status === CacheUse.HIT || status === CacheUse.MISS);
  return {
    total: builds.length,
    byStatus: Object.values(BuildStatus).map((status) => ({ status, count: counts.get(status) ?? 0 })),
    successRate:
      judged.length === 0 ? null : judged.filter((b) => b.status === BuildStatus.SUCCEEDED).length / judged.length,
    averageDurationMs: average(durations),
    p50DurationMs: percentile(durations, 0.5),
    p95DurationMs: percentile(durations, 0.95),
    averageQueueWaitMs: average(waits),
    cacheHitRate:
      looked.length === 0 ? null : looked.filter((status) => status === CacheUse.HIT).length / looked.length,
  };
}

/** One bucket per UTC day from `from` (a day's start) for `days` days, by the day each build was queued. */
export function dailyBuckets(builds: BuildTimes[], from: Date, days: number): Array<{ day: Date; stats: Stats }> {
  const dayMs = 86_400_000;
  const buckets = Array.from({ length: days }, (_, i) => ({
    day: new Date(from.getTime() + i * dayMs),
    builds: [] as BuildTimes[],
  }));
  for (const build of builds) {
    const index = Math.floor((build.queuedAt.getTime() - from.getTime()) / dayMs);
    buckets[index]?.builds.push(build);
  }
  return buckets.map((bucket) => ({ day: bucket.day, stats: buildStats(bucket.builds) }));
}
