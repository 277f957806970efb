import { Injectable } from '@nestjs/common';
import { MetricRowsService, type SpanQuantile } from './metric-rows.service';
import { MetricsQueryService } from './metrics-query.service';
import type { SeriesResult } from './metrics.types';
import { DashboardRange } from './models/dashboard-range.enum';
import {
  ApiPanel,
  ApiStep,
  BuildsPanel,
  BuildsStep,
  Dashboard,
  DeploymentsPanel,
  DeploymentsStep,
  FunctionsPanel,
  FunctionsStep,
  ResourcesPanel,
  ResourcesStep,
} from './models/dashboard.model';
import { MetricAggregate } from './models/metric-aggregate.enum';
import { PlatformMetric, type PlatformMetricName } from './platform-metrics';

const HOUR = 3_600;
const DAY = 86_400;

/** Each range: its step and how many steps, the last one the step now runs in. */
const RANGES: Record<DashboardRange, { stepSeconds: number; steps: number }> = {
  [DashboardRange.LAST_24_HOURS]: { stepSeconds: HOUR, steps: 24 },
  [DashboardRange.LAST_7_DAYS]: { stepSeconds: DAY, steps: 7 },
  [DashboardRange.LAST_30_DAYS]: { stepSeconds: DAY, steps: 30 },
};

/** The steps of a range ending with the one `now` is in, aligned to the epoch as series are. */
export function dashboardSpan(range: DashboardRange, now: Date): { from: Date; to: Date; stepSeconds: number } {
  const { stepSeconds, steps } = RANGES[range];
  const stepMs = stepSeconds * 1000;
  const to = Math.floor(now.getTime() / stepMs) * stepMs + stepMs;
  return { from: new Date(to - steps * stepMs), to: new Date(to), stepSeconds };
}

/** One value per step of the span, 0 where the series has none. */
type Values = number[];

const sum = (values: Values): number => values.reduce((a, b) => a + b, 0);
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/**
 * A project's platform dashboard: the panels of deployments, builds, functions, the API and
 * resource use over a range, from the platform's own metrics (`platform-metrics.ts`). Counts and
 * sums are read through `MetricsQueryService`, all at once, and the range's totals are the steps'
 * added up; each quantile reads the stored sketches once, from the resolution `series` would read,
 * merged per step and over the whole range.
 */
@Injectable()
export class DashboardService {
  constructor(
    private readonly query: MetricsQueryService,
    private readonly rows: MetricRowsService,
  ) {}

  async dashboard(projectId: string, range: DashboardRange, now = new Date()): Promise<Dashboard> {
    const { from, to, stepSeconds } = dashboardSpan(range, now);
    const starts = Array.from(
      { length: (to.getTime() - from.getTime()) / (stepSeconds * 1000) },
      (_, i) => new Date(from.getTime() + i * stepSeconds * 1000),
    );
    const series = async (
      name: PlatformMetricName,
      aggregate: MetricAggregate,
      labels?: Record<string, string>,
    ): Promise<Array<number | null>> =>
      aligned(starts, await this.query.series(projectId, { name, from, to, stepSeconds, labels, aggregate }));
    const counts = async (name: PlatformMetricName, labels?: Record<string, string>): Promise<Values> =>
      (await series(name, MetricAggregate.COUNT, labels)).map((v) => v ?? 0);
    const sums = async (name: PlatformMetricName): Promise<Values> =>
      (await series(name, MetricAggregate.SUM)).map((v) => v ?? 0);
    // Per step and over the range in one read of the sketches.
    const p95 = (name: PlatformMetricName): Promise<SpanQuantile> =>
      this.rows.quantile(projectId, name, from, to, stepSeconds, 0.95, now.getTime());

    const { BUILD_DURATION, BUILD_QUEUE_WAIT, DEPLOYMENT_CREATED, FUNCTION_INVOCATION, FUNCTION_UNTIMED, API_REQUEST } =
      PlatformMetric;
    const [
      deployments,
      builds,
      succeeded,
      failed,
      buildSums,
      buildP95,
      waits,
      waitSums,
      ran,
      ranErrors,
      untimed,
      coldStarts,
      invocationSums,
      invocationP95,
      requests,
      requestErrors,
      requestP95,
    ] = await Promise.all([
      counts(DEPLOYMENT_CREATED),
      counts(BUILD_DURATION),
      counts(BUILD_DURATION, { outcome: 'succeeded' }),
      counts(BUILD_DURATION, { outcome: 'failed' }),
      sums(BUILD_DURATION),
      p95(BUILD_DURATION),
      counts(BUILD_QUEUE_WAIT),
      sums(BUILD_QUEUE_WAIT),
      counts(FUNCTION_INVOCATION),
      counts(FUNCTION_INVOCATION, { status: 'error' }),
      counts(FUNCTION_UNTIMED),
      counts(FUNCTION_INVOCATION, { cold: 'true' }),
      sums(FUNCTION_INVOCATION),
      p95(FUNCTION_INVOCATION),
      counts(API_REQUEST),
      counts(API_REQUEST, { outcome: 'error' }),
      p95(API_REQUEST),
    ]);
    // Invocations that failed with no duration count as invocations and errors, not in durations.
    const invocations = ran.map((n, i) => n + untimed[i]!);
    const errors = ranErrors.map((n, i) => n + untimed[i]!);

    return Object.assign(new Dashboard(), {
      projectId,
      range,
      from,
      to,
      step: stepSeconds,
      deployments: Object.assign(new DeploymentsPanel(), {
        total: sum(deployments),
        series: starts.map((at, i) => Object.assign(new DeploymentsStep(), { at, count: deployments[i] })),
      }),
      builds: Object.assign(new BuildsPanel(), {
        count: sum(builds),
        succeeded: sum(succeeded),
        failed: sum(failed),
        canceled: sum(builds) - sum(succeeded) - sum(failed),
        successRate: ratio(sum(succeeded), sum(succeeded) + sum(failed)),
        averageDurationMs: ratio(sum(buildSums), sum(builds)),
        p95DurationMs: buildP95.total,
        averageQueueWaitMs: ratio(sum(waitSums), sum(waits)),
        series: starts.map((at, i) =>
          Object.assign(new BuildsStep(), {
            at,
            count: builds[i],
            succeeded: succeeded[i],
            failed: failed[i],
            canceled: builds[i]! - succeeded[i]! - failed[i]!,
            successRate: ratio(succeeded[i]!, succeeded[i]! + failed[i]!),
            averageDurationMs: ratio(buildSums[i]!, builds[i]!),
            p95DurationMs: buildP95.steps[i],
          }),
        ),
      }),
      functions: Object.assign(new FunctionsPanel(), {
        invocations: sum(invocations),
        errors: sum(errors),
        errorRate: ratio(sum(errors), sum(invocations)),
        coldStarts: sum(coldStarts),
        averageDurationMs: ratio(sum(invocationSums), sum(ran)),
        p95DurationMs: invocationP95.total,
        series: starts.map((at, i) =>
          Object.assign(new FunctionsStep(), {
            at,
            invocations: invocations[i],
            errors: errors[i],
            errorRate: ratio(errors[i]!, invocations[i]!),
            coldStarts: coldStarts[i],
            p95DurationMs: invocationP95.steps[i],
          }),
        ),
      }),
      api: Object.assign(new ApiPanel(), {
        requests: sum(requests),
        errors: sum(requestErrors),
        errorRate: ratio(sum(requestErrors), sum(requests)),
        p95LatencyMs: requestP95.total,
        series: starts.map((at, i) =>
          Object.assign(new ApiStep(), {
            at,
            requests: requests[i],
            errors: requestErrors[i],
            errorRate: ratio(requestErrors[i]!, requests[i]!),
            p95LatencyMs: requestP95.steps[i],
          }),
        ),
      }),
      resources: Object.assign(new ResourcesPanel(), {
        buildMinutes: sum(buildSums) / 60_000,
        functionComputeSeconds: sum(invocationSums) / 1_000,
        series: starts.map((at, i) =>
          Object.assign(new ResourcesStep(), {
            at,
            buildMinutes: buildSums[i]! / 60_000,
            functionComputeSeconds: invocationSums[i]! / 1_000,
          }),
        ),
      }),
    });
  }
}

/** A series' values at the given step starts (null where it has none), whatever steps it answered with. */
function aligned(starts: readonly Date[], result: SeriesResult): Array<number | null> {
  const byStart = new Map(result.points.map((point) => [point.at.getTime(), point.value]));
  return starts.map((at) => byStart.get(at.getTime()) ?? null);
}
