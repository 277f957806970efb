import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import { MetricBucketRecord } from './metric-bucket.schema';
import { servingResolution, type BucketResolution } from './metric-rules';
import { MetricSeriesRecord } from './metric-series.schema';
import type { ReportRow } from './report-format';
import { DDSketch, type StoredSketch } from './sketch/dd-sketch';

export interface RowsQuery {
  /** The start of the first step: a multiple of the step. */
  from: Date;
  /** The end of the last step: a multiple of the step. */
  to: Date;
  /** 3600 or 86400: each row is one stored hour or day bucket. */
  stepSeconds: number;
}

/** One quantile of a metric over a span: per step, and over the whole span. */
export interface SpanQuantile {
  /** One value per step of the span, null where no point fell. */
  steps: Array<number | null>;
  /** Over every step together; null when no point fell in the span. */
  total: number | null;
}

type BucketFields = Pick<MetricBucketRecord, 'count' | 'sum' | 'min' | 'max' | 'sketch'>;
type SeriesFields = Pick<MetricSeriesRecord, '_id' | 'labels' | 'unit'>;

/** Buckets turned into rows at a time: their series are looked up together. */
const ROWS_BATCH = 500;

/** The stored resolution whose buckets are exactly one step. */
function resolutionOf(stepSeconds: number): BucketResolution {
  if (stepSeconds === 3_600) return 'hour';
  if (stepSeconds === 86_400) return 'day';
  throw new Error(`No stored resolution is ${stepSeconds} seconds`);
}

/**
 * Reads stored buckets as the report and the dashboard need them and `MetricsQueryService.series`
 * does not give: every series of a project apart (one row per series and step, with every
 * aggregate at once), and one metric's quantile per step and over a whole span in one read (the
 * span's cannot be made from the steps' own quantiles: it merges every bucket's sketch).
 */
@Injectable()
export class MetricRowsService {
  constructor(
    @InjectModel(MetricBucketRecord.name) private readonly buckets: Model<MetricBucketRecord>,
    @InjectModel(MetricSeriesRecord.name) private readonly series: Model<MetricSeriesRecord>,
    private readonly config: AppConfig,
  ) {}

  /**
   * The quantile `q` of one metric (every series together) in each step of [from, to) and over
   * all of it, reading each bucket once, from the resolution `series` reads for such steps.
   */
  async quantile(
    projectId: string,
    name: string,
    from: Date,
    to: Date,
    stepSeconds: number,
    q: number,
    now = Date.now(),
  ): Promise<SpanQuantile> {
    const stepMs = stepSeconds * 1000;
    const start = from.getTime();
    const steps = Math.ceil((to.getTime() - start) / stepMs);
    const res = servingResolution(stepMs, start, this.config.analyticsRetentionMs, now);
    const perStep: Array<DDSketch | undefined> = new Array<DDSketch | undefined>(steps);
    const whole = new DDSketch();
    const cursor = this.buckets
      .find(
        { projectId: toObjectId(projectId), name, res, t: { $gte: from, $lt: to } },
        { _id: 0, t: 1, min: 1, max: 1, sketch: 1 },
      )
      .lean<Array<{ t: Date; min: number; max: number; sketch: StoredSketch }>>()
      .cursor();
    for await (const bucket of cursor) {
      const i = Math.floor((bucket.t.getTime() - start) / stepMs);
      (perStep[i] ??= new DDSketch()).mergeStored(bucket.sketch, bucket.min, bucket.max);
      whole.mergeStored(bucket.sketch, bucket.min, bucket.max);
    }
    return {
      steps: Array.from({ length: steps }, (_v, i) => perStep[i]?.quantile(q) ?? null),
      total: whole.quantile(q),
    };
  }

  /**
   * Every series of the project over [from, to): one row per series and step that has points, in
   * no particular order. Buckets are read as the rows are taken, so a caller that stops taking
   * them (a report grown too large) stops the read.
   */
  async *rows(projectId: string, query: RowsQuery): AsyncGenerator<ReportRow> {
    const project = toObjectId(projectId);
    // Named, so that the read follows the buckets' (projectId, name, res, t) index.
    const names = await this.series.distinct('name', { projectId: project }).exec();
    if (names.length === 0) return;
    const cursor = this.buckets
      .find(
        {
          projectId: project,
          name: { $in: names },
          res: resolutionOf(query.stepSeconds),
          t: { $gte: query.from, $lt: query.to },
        },
        { _id: 0, seriesId: 1, name: 1, t: 1, count: 1, sum: 1, min: 1, max: 1, sketch: 1 },
      )
      .lean<Array<BucketFields & { seriesId: Types.ObjectId; name: string; t: Date }>>()
      .cursor({ batchSize: ROWS_BATCH });
    const known = new Map<string, SeriesFields | null>();
    let batch: Array<BucketFields & { seriesId: Types.ObjectId; name: string; t: Date }> = [];
    for await (const bucket of cursor) {
      batch.push(bucket);
      if (batch.length < ROWS_BATCH) continue;
      await this.lookUp(batch, known);
      for (const each of batch) yield toRow(each, known.get(each.seriesId.toHexString()) ?? null);
      batch = [];
    }
    await this.lookUp(batch, known);
    for (const each of batch) yield toRow(each, known.get(each.seriesId.toHexString()) ?? null);
  }

  /** Reads the labels and unit of the buckets' series not read yet (null for one gone meanwhile). */
  private async lookUp(
    buckets: ReadonlyArray<{ seriesId: Types.ObjectId }>,
    known: Map<string, SeriesFields | null>,
  ): Promise<void> {
    const missing = new Map<string, Types.ObjectId>();
    for (const { seriesId } of buckets) {
      const id = seriesId.toHexString();
      if (!known.has(id)) missing.set(id, seriesId);
    }
    if (missing.size === 0) return;
    const found = await this.series
      .find({ _id: { $in: [...missing.values()] } }, { labels: 1, unit: 1 })
      .lean<SeriesFields[]>()
      .exec();
    for (const id of missing.keys()) known.set(id, null);
    for (const series of found) known.set(series._id.toHexString(), series);
  }
}

function toRow(bucket: BucketFields & { name: string; t: Date }, series: SeriesFields | null): ReportRow {
  const sketch = DDSketch.fromStored(bucket.sketch as StoredSketch, bucket.min, bucket.max);
  return {
    metric: bucket.name,
    unit: series?.unit ?? null,
    labels: series?.labels ?? {},
    at: bucket.t,
    count: bucket.count,
    sum: bucket.sum,
    avg: bucket.sum / bucket.count,
    min: bucket.min,
    max: bucket.max,
    p50: sketch.quantile(0.5) ?? bucket.min,
    p95: sketch.quantile(0.95) ?? bucket.max,
    p99: sketch.quantile(0.99) ?? bucket.max,
  };
}
