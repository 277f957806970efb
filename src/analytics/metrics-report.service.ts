import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MetricRowsService } from './metric-rows.service';
import { MetricsReportException, MetricsReportExceptionReason } from './metrics-report.exception';
import { MetricsReport } from './models/metrics-report.model';
import { ReportFormat } from './models/report-format.enum';
import { reportCsv, reportFilename, reportJson } from './report-format';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Spans up to this are reported per hour, longer ones per day. */
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
    const stepMs = span <= HOURLY_UP_TO_MS ? HOUR_MS : DAY_MS;
    const start = new Date(Math.floor(from.getTime() / stepMs) * stepMs);
    const end = new Date(Math.ceil(to.getTime() / stepMs) * stepMs);
    const maxRows = this.config.ANALYTICS_REPORT_MAX_ROWS;
    const rows = await this.rows.rows(projectId, {
      from: start,
      to: end,
      stepSeconds: stepMs / 1000,
      limit: maxRows + 1,
    });
    if (rows.length > maxRows) {
      throw new MetricsReportException(
        MetricsReportExceptionReason.REPORT_TOO_LARGE,
        `The report would hold more than ${maxRows} rows: ask for a shorter span`,
        { maxRows },
      );
    }
    const csv = format === ReportFormat.CSV;
    return Object.assign(new MetricsReport(), {
      format,
      contentType: csv ? 'text/csv; charset=utf-8' : 'application/json',
      filename: reportFilename(projectId, start, end, csv ? 'csv' : 'json'),
      body: csv
        ? reportCsv(rows)
        : reportJson({ projectId, from: start, to: end, step: stepMs / 1000, generatedAt: new Date() }, rows),
      from: start,
      to: end,
      step: stepMs / 1000,
      rowCount: rows.length,
    });
  }
}
