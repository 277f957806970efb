import type { MetricAggregate } from './models/metric-aggregate.enum';

/** One observation of a metric. */
export interface MetricPoint {
  name: string;
  value: number;
  unit?: string;
  labels?: Record<string, string>;
  /** When it was observed; now when absent. */
  at?: Date;
}

/** Who recorded a point: a user through the API, or the platform from its own events. */
export type MetricSource = 'user' | 'platform';

/** The stored resolutions, finest first. */
export type MetricResolution = 'raw' | 'minute' | 'hour' | 'day';

export interface SeriesQuery {
  name: string;
  from: Date;
  to: Date;
  stepSeconds: number;
  /** Only series whose labels include every one of these. */
  labels?: Record<string, string>;
  aggregate: MetricAggregate;
}

export interface SeriesPoint {
  /** The start of the step. */
  at: Date;
  /** When no point fell in the step: 0 for COUNT and SUM, null for the other aggregates. */
  value: number | null;
}

export interface SeriesResult {
  resolution: MetricResolution;
  points: SeriesPoint[];
}
