import { percentile } from '../common/stats/percentile';
import { InvocationStatus } from './function-invocation.schema';

/** What the figures need of an invocation. */
export interface InvocationSample {
  status: InvocationStatus;
  durationMs: number | null;
  coldStart: boolean;
  coldStartMs: number | null;
  createdAt: Date;
}

export interface FunctionStats {
  invocations: number;
  errors: number;
  /** Failed (threw, timed out, ran out of memory, died) among finished invocations; null when none finished. */
  errorRate: number | null;
  averageDurationMs: number | null;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
  p99DurationMs: number | null;
  coldStarts: number;
  coldStartRate: number | null;
  averageColdStartMs: number | null;
}

const FAILED: ReadonlySet<InvocationStatus> = new Set([
  InvocationStatus.FAILED,
  InvocationStatus.TIMED_OUT,
  InvocationStatus.MEMORY_LIMIT_EXCEEDED,
]);

const average = (values: readonly number[]): number | null =>
  values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;

/** Counts, error rate, duration percentiles and cold starts of a set of invocations. */
export function functionStats(samples: readonly InvocationSample[]): FunctionStats {
  const finished = samples.filter((s) => s.status !== InvocationStatus.QUEUED && s.status !== InvocationStatus.RUNNING);
  const errors = finished.filter((s) => FAILED.has(s.status)).length;
  const durations = finished
    .map((s) => s.durationMs)
    .filter((d): d is number => d !== null)
    .sort((a, b) => a - b);
  const cold = finished.filter((s) => s.coldStart);
  return {
    invocations: samples.length,
    errors,
    errorRate: finished.length === 0 ? null : errors / finished.length,
    averageDurationMs: average(durations),
    p50DurationMs: percentile(durations, 0.5),
    p95DurationMs: percentile(durations, 0.95),
    p99DurationMs: percentile(durations, 0.99),
    coldStarts: cold.length,
    coldStartRate: finished.length === 0 ? null : cold.length / finished.length,
    averageColdStartMs: average(cold.map((s) => s.coldStartMs).filter((ms): ms is number => ms !== null)),
  };
}

/** `count` buckets of `sizeMs` from `from`, each with the figures of the invocations made in it. */
export function bucketStats(
  samples: readonly InvocationSample[],
  from: Date,
  sizeMs: number,
  count: number,
): Array<{ start: Date; stats: FunctionStats }> {
  const buckets = Array.from({ length: count }, () => [] as InvocationSample[]);
  for (const sample of samples) {
    const index = Math.floor((sample.createdAt.getTime() - from.getTime()) / sizeMs);
    buckets[index]?.push(sample);
  }
  return buckets.map((bucket, i) => ({ start: new Date(from.getTime() + i * sizeMs), stats: functionStats(bucket) }));
}
