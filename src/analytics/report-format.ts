/** One row of a metrics report: one series (a metric and a label set) over one step. */
export interface ReportRow {
  metric: string;
  unit: string | null;
  labels: Record<string, string>;
  /** The start of the step. */
  at: Date;
  count: number;
  sum: number;
  avg: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface ReportHeader {
  projectId: string;
  from: Date;
  to: Date;
  /** Seconds per row: 3600 or 86400. */
  step: number;
  generatedAt: Date;
}

/** The CSV's columns, in order; `labels` is the label set as a JSON object. */
export const CSV_COLUMNS = [
  'metric',
  'unit',
  'labels',
  'at',
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'p50',
  'p95',
  'p99',
] as const;

/**
 * A cell spreadsheets would read as a formula starts with one of these (OWASP's list): such text
 * gets a leading apostrophe, so it is shown as written and never evaluated.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A text cell as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break, with
 * quotes doubled; text that would start a formula is made inert first.
 */
export function csvText(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * A number cell. Numbers are written by the server, never by a client, so `-3` is the number
 * minus three and stays one (an apostrophe would make it text to every spreadsheet).
 */
export function csvNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : '';
}

/** The report as CSV: a header line, then one line per row, lines ended by CRLF (RFC 4180). */
export function reportCsv(rows: readonly ReportRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) {
    lines.push(
      [
        csvText(row.metric),
        csvText(row.unit ?? ''),
        csvText(JSON.stringify(row.labels)),
        csvText(row.at.toISOString()),
        ...[row.count, row.sum, row.avg, row.min, row.max, row.p50, row.p95, row.p99].map(csvNumber),
      ].join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The report as JSON: the header's fields, then the rows with times as ISO 8601. */
export function reportJson(header: ReportHeader, rows: readonly ReportRow[]): string {
  return JSON.stringify({
    projectId: header.projectId,
    from: header.from.toISOString(),
    to: header.to.toISOString(),
    step: header.step,
    generatedAt: header.generatedAt.toISOString(),
    rows: rows.map((row) => ({ ...row, at: row.at.toISOString() })),
  });
}

/** `slipway-metrics-<project>-<from>-<to>.<extension>`, times in compact UTC (20261127T000000Z). */
export function reportFilename(projectId: string, from: Date, to: Date, extension: 'csv' | 'json'): string {
  const compact = (date: Date): string =>
    date
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  return `slipway-metrics-${projectId}-${compact(from)}-${compact(to)}.${extension}`;
}
