import { InvocationStatus } from './function-invocation.schema';
import { bucketStats, functionStats, type InvocationSample } from './function-stats';

const at = (iso: string): Date => new Date(iso);
const sample = (overrides: Partial<InvocationSample>): InvocationSample => ({
  status: InvocationStatus.SUCCEEDED,
  durationMs: 10,
  coldStart: false,
  coldStartMs: null,
  createdAt: at('2026-01-01T00:00:00Z'),
  ...overrides,
});

describe('functionStats', () => {
  it('counts failures of every kind, leaves running ones out of rates, and takes nearest-rank percentiles', () => {
    const stats = functionStats([
      ...Array.from({ length: 18 }, (_, i) => sample({ durationMs: i + 1 })),
      sample({ status: InvocationStatus.FAILED, durationMs: 100 }),
      sample({ status: InvocationStatus.TIMED_OUT, durationMs: 1000, coldStart: true, coldStartMs: 8 }),
      sample({ status: InvocationStatus.RUNNING, durationMs: null }),
    ]);
    expect(stats).toMatchObject({ invocations: 21, errors: 2, coldStarts: 1, averageColdStartMs: 8 });
    expect(stats.errorRate).toBeCloseTo(2 / 20);
    expect(stats.coldStartRate).toBeCloseTo(1 / 20);
    expect(stats.p50DurationMs).toBe(10);
    expect(stats.p95DurationMs).toBe(100);
    expect(stats.p99DurationMs).toBe(1000);
  });

  it('gives null rates and percentiles when nothing finished', () => {
    expect(functionStats([])).toMatchObject({
      invocations: 0,
      errorRate: null,
      p50DurationMs: null,
      coldStartRate: null,
    });
  });
});

describe('bucketStats', () => {
  it('puts each invocation in the bucket of its time and leaves out those outside', () => {
    const from = at('2026-01-01T00:00:00Z');
    const buckets = bucketStats(
      [
        sample({ createdAt: at('2026-01-01T00:30:00Z') }),
        sample({ createdAt: at('2026-01-01T02:59:59Z'), status: InvocationStatus.FAILED }),
        sample({ createdAt: at('2026-01-01T03:00:00Z') }),
      ],
      from,
      3_600_000,
      3,
    );
    expect(buckets.map((b) => [b.start.toISOString(), b.stats.invocations, b.stats.errors])).toEqual([
      ['2026-01-01T00:00:00.000Z', 1, 0],
      ['2026-01-01T01:00:00.000Z', 0, 0],
      ['2026-01-01T02:00:00.000Z', 1, 1],
    ]);
  });
});
