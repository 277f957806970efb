import type { GraphQLResponse } from '../graphql-client';
import type { Send } from './shared';

export type DashboardRange = 'LAST_24_HOURS' | 'LAST_7_DAYS' | 'LAST_30_DAYS';
export type ReportFormat = 'JSON' | 'CSV';

export interface DashboardPanels {
  projectId: string;
  range: DashboardRange;
  from: string;
  to: string;
  step: number;
  deployments: { total: number; series: Array<{ at: string; count: number }> };
  builds: {
    count: number;
    succeeded: number;
    failed: number;
    canceled: number;
    successRate: number | null;
    averageDurationMs: number | null;
    p95DurationMs: number | null;
    averageQueueWaitMs: number | null;
    series: Array<{
      at: string;
      count: number;
      succeeded: number;
      failed: number;
      canceled: number;
      successRate: number | null;
      averageDurationMs: number | null;
      p95DurationMs: number | null;
    }>;
  };
  functions: {
    invocations: number;
    errors: number;
    errorRate: number | null;
    coldStarts: number;
    averageDurationMs: number | null;
    p95DurationMs: number | null;
    series: Array<{
      at: string;
      invocations: number;
      errors: number;
      errorRate: number | null;
      coldStarts: number;
      p95DurationMs: number | null;
    }>;
  };
  api: {
    requests: number;
    errors: number;
    errorRate: number | null;
    p95LatencyMs: number | null;
    series: Array<{
      at: string;
      requests: number;
      errors: number;
      errorRate: number | null;
      p95LatencyMs: number | null;
    }>;
  };
  resources: {
    buildMinutes: number;
    functionComputeSeconds: number;
    series: Array<{ at: string; buildMinutes: number; functionComputeSeconds: number }>;
  };
}

export interface MetricsReport {
  format: ReportFormat;
  contentType: string;
  filename: string;
  body: string;
  from: string;
  to: string;
  step: number;
  rowCount: number;
}

/** A build's own times, as its record keeps them. */
export interface BuildTimes {
  id: string;
  status: string;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export const DASHBOARD = `query ($projectId: ID!, $range: DashboardRange) {
  dashboard(projectId: $projectId, range: $range) {
    projectId range from to step
    deployments { total series { at count } }
    builds { count succeeded failed canceled successRate averageDurationMs p95DurationMs averageQueueWaitMs
      series { at count succeeded failed canceled successRate averageDurationMs p95DurationMs } }
    functions { invocations errors errorRate coldStarts averageDurationMs p95DurationMs
      series { at invocations errors errorRate coldStarts p95DurationMs } }
    api { requests errors errorRate p95LatencyMs series { at requests errors errorRate p95LatencyMs } }
    resources { buildMinutes functionComputeSeconds series { at buildMinutes functionComputeSeconds } }
  } }`;
export const REPORT = `query ($projectId: ID!, $from: DateTime!, $to: DateTime!, $format: ReportFormat) {
  report(projectId: $projectId, from: $from, to: $to, format: $format) {
    format contentType filename body from to step rowCount } }`;
export const BUILD_TIMES = `query ($id: ID!) { build(id: $id) { id status queuedAt startedAt finishedAt } }`;

export interface PlatformMetricOperations {
  dashboard(
    token: string | undefined,
    args: { projectId: string; range?: DashboardRange },
  ): Promise<GraphQLResponse<{ dashboard: DashboardPanels }>>;
  report(
    token: string | undefined,
    args: { projectId: string; from: string; to: string; format?: ReportFormat },
  ): Promise<GraphQLResponse<{ report: MetricsReport }>>;
  buildTimes(token: string | undefined, args: { id: string }): Promise<GraphQLResponse<{ build: BuildTimes }>>;
}

export function platformMetricOperations(send: Send): PlatformMetricOperations {
  return {
    dashboard: (token, args) => send(DASHBOARD, args, token),
    report: (token, args) => send(REPORT, args, token),
    buildTimes: (token, args) => send(BUILD_TIMES, args, token),
  };
}
