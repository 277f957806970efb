import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MetricRowsService } from './metric-rows.service';
import { MetricsReportException, MetricsReportExceptionReason } from './metrics-report.exception';
import { MetricsReport } from './models/metrics-report.model';
import { ReportFormat } from './models/report-format.enum';
import { ReportBody, reportFilename } from './report-format';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Spans up to this are reported per hour (while hour buckets are kept), longer ones per day. */
const HOURLY_UP_TO_MS = 7 * DAY_MS;
/** The longest span a report covers. */
export const MAX_REPORT_SPAN_MS = 366 * DAY_MS;

/**
 * Exports every metric of a project over a span: one row per series (a metric and its label set)
 * and step, with count, sum, average, minimum, maximum and quantiles, as JSON or CSV.
 */
@Injectable()
export class MetricsReportService {
  constructor(
    private readonly rows: MetricRowsService,
    private readonly config: AppConfig,
  ) {}

  async report(projectId: string, from: Date, to: Date, format: ReportFormat): Promise<MetricsReport> {
    const span = to.getTime() - from.getTime();
    if (!(span > 0)) {
      throw new MetricsReportException(MetricsReportExceptionReason.INVALID_TIME_RANGE, '`from` must be before `to`');
    }
    if (span > MAX_REPORT_SPAN_MS) {
      throw new MetricsReportException(
        MetricsReportExceptionReason.REPORT_SPAN_TOO_LONG,
        'A report covers at most 366 days: ask for a shorter span',
        { maxDays: 366 },
      );
    }
    // Hourly rows read hour buckets: a span starting before they are kept is reported per day.
    const now = Date.now();
    const hourly =
      span <= HOURLY_UP_TO_MS &&
      Math.floor(from.getTime() / HOUR_MS) * HOUR_MS >= now - this.config.analyticsRetentionMs.hour;
    const stepMs = hourly ? HOUR_MS : DAY_MS;
    const start = new Date(Math.floor(from.getTime() / stepMs) * stepMs);
    const end = new Date(Math.ceil(to.getTime() / stepMs) * stepMs);
    const csv = format === ReportFormat.CSV;
    const maxRows = this.config.ANALYTICS_REPORT_MAX_ROWS;
    const maxBytes = this.config.ANALYTICS_REPORT_MAX_BYTES;
    const body = new ReportBody(
      csv ? 'csv' : 'json',
      { projectId, from: start, to: end, step: stepMs / 1000, generatedAt: new Date(now) },
      maxBytes,
    );
    // Built as the buckets are read, and given up as soon as it is too large.
    for await (const row of this.rows.rows(projectId, { from: start, to: end, stepSeconds: stepMs / 1000 })) {
      if (body.rowCount >= maxRows) {
        throw new MetricsReportException(
          MetricsReportExceptionReason.REPORT_TOO_LARGE,
          `The report would hold more than ${maxRows} rows: ask for a shorter span`,
          { maxRows, maxBytes },
        );
      }
      if (!body.add(row)) {
        throw new MetricsReportException(
          MetricsReportExceptionReason.REPORT_TOO_LARGE,
          `The report would be larger than ${maxBytes} bytes: ask for a shorter span`,
          { maxRows, maxBytes },
        );
      }
    }
    return Object.assign(new MetricsReport(), {
      format,
      contentType: csv ? 'text/csv; charset=utf-8' : 'application/json',
      filename: reportFilename(projectId, start, end, csv ? 'csv' : 'json'),
      body: body.text(),
      from: start,
      to: end,
      step: stepMs / 1000,
      rowCount: body.rowCount,
    });
  }
}
