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

/** One row as a CSV line, without its line end. */
export function csvLine(row: ReportRow): string {
  return [
    csvText(row.metric),
    csvText(row.unit ?? ''),
    csvText(JSON.stringify(row.labels)),
    csvText(row.at.toISOString()),
    ...[row.count, row.sum, row.avg, row.min, row.max, row.p50, row.p95, row.p99].map(csvNumber),
  ].join(',');
}

/** One row as a JSON object, its time as ISO 8601. */
export function jsonRow(row: ReportRow): string {
  return JSON.stringify({ ...row, at: row.at.toISOString() });
}

/**
 * Builds a report's body row by row, within a budget of bytes (UTF-8): `add` refuses the row that
 * would take the body past it, so a report too large is given up as soon as it is known to be,
 * holding at most the budget in text. Rows may come in any order: the body has them by metric,
 * label set and time.
 *
 * CSV is a header line, then one line per row, lines ended by CRLF (RFC 4180). JSON is an object
 * with the header's fields and `rows`, times as ISO 8601.
 */
export class ReportBody {
  private readonly rows: Array<{ key: string; at: number; text: string }> = [];
  private readonly opening: string;
  private readonly closing: string;
  private readonly separator: string;
  private size: number;

  constructor(
    readonly format: 'csv' | 'json',
    header: ReportHeader,
    readonly maxBytes: number,
  ) {
    if (format === 'csv') {
      this.opening = `${CSV_COLUMNS.join(',')}\r\n`;
      this.closing = '';
      this.separator = '\r\n';
    } else {
      const fields = JSON.stringify({
        projectId: header.projectId,
        from: header.from.toISOString(),
        to: header.to.toISOString(),
        step: header.step,
        generatedAt: header.generatedAt.toISOString(),
      });
      this.opening = `${fields.slice(0, -1)},"rows":[`;
      this.closing = ']}';
      this.separator = ',';
    }
    this.size = Buffer.byteLength(this.opening) + Buffer.byteLength(this.closing);
  }

  /** Rows added so far. */
  get rowCount(): number {
    return this.rows.length;
  }

  /** Bytes of the body so far. */
  get bytes(): number {
    return this.size;
  }

  /** Adds a row, or answers false, keeping nothing of it, when the body would be more than `maxBytes`. */
  add(row: ReportRow): boolean {
    const text = this.format === 'csv' ? csvLine(row) : jsonRow(row);
    // CSV ends every line, JSON separates rows: either way one separator per row but JSON's first.
    const added = Buffer.byteLength(text) + (this.format === 'csv' || this.rows.length > 0 ? this.separator.length : 0);
    if (this.size + added > this.maxBytes) return false;
    this.size += added;
    this.rows.push({ key: `${row.metric}\u0000${JSON.stringify(row.labels)}`, at: row.at.getTime(), text });
    return true;
  }

  /** The whole body, rows ordered by metric, label set and time. */
  text(): string {
    this.rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.at - b.at));
    const rows = this.rows.map((row) => row.text);
    if (this.format === 'csv') return this.opening + rows.map((line) => `${line}\r\n`).join('');
    return this.opening + rows.join(',') + this.closing;
  }
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
