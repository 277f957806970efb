import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { toObjectId } from '../common/mongo/object-id';
import { MetricBucketRecord } from './metric-bucket.schema';
import type { BucketResolution } from './metric-rules';
import { MetricSeriesRecord } from './metric-series.schema';
import type { ReportRow } from './report-format';
import { DDSketch, type StoredSketch } from './sketch/dd-sketch';

/** What a span of one metric adds up to over every series: quantiles from the merged sketches. */
export interface MetricSummary {
  count: number;
  sum: number;
  min: number;
  max: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface RowsQuery {
  /** The start of the first step: a multiple of the step. */
  from: Date;
  /** The end of the last step: a multiple of the step. */
  to: Date;
  /** 3600 or 86400: each row is one stored hour or day bucket. */
  stepSeconds: number;
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
 * aggregate at once), and one metric's quantiles over a whole span (the sketches of every bucket
 * in it merged, which the steps' own quantiles cannot be combined into).
 */
@Injectable()
export class MetricRowsService {
  constructor(
    @InjectModel(MetricBucketRecord.name) private readonly buckets: Model<MetricBucketRecord>,
    @InjectModel(MetricSeriesRecord.name) private readonly series: Model<MetricSeriesRecord>,
  ) {}

  /** One metric over [from, to) (whole steps of `stepSeconds`), every series together; null when it has no point there. */
  async summary(
    projectId: string,
    name: string,
    from: Date,
    to: Date,
    stepSeconds: number,
  ): Promise<MetricSummary | null> {
    const sketch = new DDSketch();
    const total = { count: 0, sum: 0, min: Infinity, max: -Infinity };
    const cursor = this.buckets
      .find(
        { projectId: toObjectId(projectId), name, res: resolutionOf(stepSeconds), t: { $gte: from, $lt: to } },
        { _id: 0, count: 1, sum: 1, min: 1, max: 1, sketch: 1 },
      )
      .lean<BucketFields[]>()
      .cursor();
    for await (const bucket of cursor) {
      sketch.mergeStored(bucket.sketch, bucket.min, bucket.max);
      total.count += bucket.count;
      total.sum += bucket.sum;
      total.min = Math.min(total.min, bucket.min);
      total.max = Math.max(total.max, bucket.max);
    }
    if (total.count === 0) return null;
    return { ...total, p50: sketch.quantile(0.5), p95: sketch.quantile(0.95), p99: sketch.quantile(0.99) };
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
