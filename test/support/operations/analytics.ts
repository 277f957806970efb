import type { GraphQLResponse } from '../graphql-client';
import type { Send } from './shared';

export type MetricAggregate = 'SUM' | 'AVG' | 'MIN' | 'MAX' | 'COUNT' | 'STDDEV' | 'P50' | 'P95' | 'P99';

export interface MetricLabel {
  key: string;
  value: string;
}

export interface MetricPointInput {
  name: string;
  value: number;
  unit?: string | null;
  labels?: MetricLabel[] | null;
  at?: string | null;
}

export interface MetricSeries {
  name: string;
  aggregate: MetricAggregate;
  resolution: 'RAW' | 'MINUTE' | 'HOUR' | 'DAY';
  step: number;
  points: { at: string; value: number | null }[];
}

export interface MetricName {
  name: string;
  unit: string | null;
  source: 'USER' | 'PLATFORM';
  series: number;
  lastSeenAt: string;
}

export interface MetricSeriesArgs {
  projectId: string;
  name: string;
  from: string;
  to: string;
  step: number;
  labels?: MetricLabel[] | null;
  aggregate: MetricAggregate;
}

export const RECORD_METRIC = `mutation ($input: RecordMetricInput!) { recordMetric(input: $input) { count } }`;
export const RECORD_METRICS = `mutation ($input: RecordMetricsInput!) { recordMetrics(input: $input) { count } }`;
export const METRIC_SERIES = `query ($projectId: ID!, $name: String!, $from: DateTime!, $to: DateTime!, $step: Int!,
  $labels: [MetricLabelInput!], $aggregate: MetricAggregate!) {
  metricSeries(projectId: $projectId, name: $name, from: $from, to: $to, step: $step, labels: $labels,
    aggregate: $aggregate) { name aggregate resolution step points { at value } } }`;
export interface DeletedMetric {
  name: string;
  series: number;
  buckets: number;
  points: number;
}

export const DELETE_METRIC = `mutation ($input: DeleteMetricInput!) { deleteMetric(input: $input) {
  name series buckets points } }`;
export const METRIC_NAMES = `query ($projectId: ID!) { metricNames(projectId: $projectId) {
  name unit source series lastSeenAt } }`;

export interface AnalyticsOperations {
  record(
    token: string | undefined,
    input: { projectId: string } & MetricPointInput,
  ): Promise<GraphQLResponse<{ recordMetric: { count: number } }>>;
  recordMany(
    token: string | undefined,
    input: { projectId: string; points: MetricPointInput[] },
  ): Promise<GraphQLResponse<{ recordMetrics: { count: number } }>>;
  series(token: string | undefined, args: MetricSeriesArgs): Promise<GraphQLResponse<{ metricSeries: MetricSeries }>>;
  names(
    token: string | undefined,
    args: { projectId: string },
  ): Promise<GraphQLResponse<{ metricNames: MetricName[] }>>;
  deleteMetric(
    token: string | undefined,
    input: { projectId: string; name: string },
  ): Promise<GraphQLResponse<{ deleteMetric: DeletedMetric }>>;
}

export function analyticsOperations(send: Send): AnalyticsOperations {
  return {
    record: (token, input) => send(RECORD_METRIC, { input }, token),
    recordMany: (token, input) => send(RECORD_METRICS, { input }, token),
    series: (token, args) => send(METRIC_SERIES, { ...args }, token),
    names: (token, args) => send(METRIC_NAMES, { ...args }, token),
    deleteMetric: (token, input) => send(DELETE_METRIC, { input }, token),
  };
}
