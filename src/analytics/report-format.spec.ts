import { csvLine, csvNumber, csvText, jsonRow, ReportBody, reportFilename, type ReportRow } from './report-format';
import { parseCsv } from '../../test/support/csv';

const HEADER = {
  projectId: 'p1',
  from: new Date('2026-11-27T00:00:00Z'),
  to: new Date('2026-11-28T00:00:00Z'),
  step: 3600,
  generatedAt: new Date('2026-11-28T00:01:00Z'),
};

/** A whole body of the rows, with no bound on its size. */
const body = (format: 'csv' | 'json', rows: ReportRow[]): string => {
  const built = new ReportBody(format, HEADER, Infinity);
  for (const each of rows) expect(built.add(each)).toBe(true);
  return built.text();
};

const row = (overrides: Partial<ReportRow> = {}): ReportRow => ({
  metric: 'checkout.latency',
  unit: 'ms',
  labels: { region: 'eu' },
  at: new Date('2026-11-27T10:00:00Z'),
  count: 3,
  sum: 60,
  avg: 20,
  min: 10,
  max: 30,
  p50: 20,
  p95: 30,
  p99: 30,
  ...overrides,
});

describe('report format', () => {
  it('quotes cells with commas, quotes and line breaks, doubling quotes (RFC 4180)', () => {
    expect(csvText('plain')).toBe('plain');
    expect(csvText('a,b')).toBe('"a,b"');
    expect(csvText('say "hi"')).toBe('"say ""hi"""');
    expect(csvText('two\nlines')).toBe('"two\nlines"');
    expect(csvText('two\r\nlines')).toBe('"two\r\nlines"');
  });

  it('makes text that would start a formula inert, and only text', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      expect(csvText(`${start}HYPERLINK("x")`).replace(/^"/, '').startsWith(`'${start}`)).toBe(true);
    }
    expect(csvText('=1+2')).toBe("'=1+2");
    expect(csvText('=SUM(A1,A2)')).toBe(`"'=SUM(A1,A2)"`);
    expect(csvText('safe=1')).toBe('safe=1');
    expect(csvNumber(-3.5)).toBe('-3.5');
    expect(csvNumber(Number.NaN)).toBe('');
  });

  it('writes a header and one CRLF-ended line per row that read back cell for cell', () => {
    // Given first, but a later metric: the body orders rows by metric, label set and time.
    const hostile = row({
      metric: 'checkout.total',
      unit: '=cmd|"/c calc"!A1',
      labels: { path: '/a,b', note: 'say "x"\nnext', sign: '-1' },
      min: -4,
    });
    const csv = body('csv', [hostile, row()]);
    expect(csv.endsWith('\r\n')).toBe(true);
    const [header, first, second, ...rest] = parseCsv(csv);
    expect(rest).toEqual([]);
    expect(header).toEqual([
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
    ]);
    expect(first).toEqual([
      'checkout.latency',
      'ms',
      '{"region":"eu"}',
      '2026-11-27T10:00:00.000Z',
      '3',
      '60',
      '20',
      '10',
      '30',
      '20',
      '30',
      '30',
    ]);
    expect(second![1]).toBe(`'=cmd|"/c calc"!A1`);
    expect(JSON.parse(second![2]!)).toEqual(hostile.labels);
    expect(second![7]).toBe('-4');
  });

  it('writes JSON with the span and ISO times', () => {
    const parsed = JSON.parse(body('json', [row()])) as {
      step: number;
      from: string;
      rows: Array<{ at: string; labels: unknown }>;
    };
    expect(parsed).toMatchObject({ step: 3600, from: '2026-11-27T00:00:00.000Z' });
    expect(parsed.rows).toEqual([
      expect.objectContaining({ at: '2026-11-27T10:00:00.000Z', labels: { region: 'eu' } }),
    ]);
  });

  it('orders rows by metric, label set and time, whatever order they came in', () => {
    const at = (hour: number) => new Date(Date.UTC(2026, 10, 27, hour));
    const rows = [
      row({ metric: 'b', labels: {}, at: at(1) }),
      row({ metric: 'a', labels: { z: '1' }, at: at(2) }),
      row({ metric: 'a', labels: { k: '1' }, at: at(3) }),
      row({ metric: 'a', labels: { z: '1' }, at: at(1) }),
    ];
    const parsed = JSON.parse(body('json', rows)) as { rows: Array<{ metric: string; labels: object; at: string }> };
    expect(parsed.rows.map((r) => [r.metric, r.labels, r.at])).toEqual([
      ['a', { k: '1' }, at(3).toISOString()],
      ['a', { z: '1' }, at(1).toISOString()],
      ['a', { z: '1' }, at(2).toISOString()],
      ['b', {}, at(1).toISOString()],
    ]);
  });

  it('keeps a body within its budget of bytes, counted as UTF-8, refusing the row that would pass it', () => {
    for (const format of ['csv', 'json'] as const) {
      const unbounded = new ReportBody(format, HEADER, Infinity);
      const wide = row({ labels: { city: 'Zürich ✓'.repeat(10) } });
      for (let i = 0; i < 3; i += 1) unbounded.add(wide);
      const full = unbounded.text();
      expect([format, unbounded.bytes]).toEqual([format, Buffer.byteLength(full)]);
      // Exactly the size of three rows holds three; a byte less holds two.
      const exact = new ReportBody(format, HEADER, Buffer.byteLength(full));
      expect([0, 1, 2].map(() => exact.add(wide))).toEqual([true, true, true]);
      expect(exact.text()).toBe(full);
      const short = new ReportBody(format, HEADER, Buffer.byteLength(full) - 1);
      expect([0, 1, 2].map(() => short.add(wide))).toEqual([true, true, false]);
      expect(short.rowCount).toBe(2);
      expect(Buffer.byteLength(short.text())).toBe(short.bytes);
      expect(short.bytes).toBeLessThan(Buffer.byteLength(full));
    }
    // The rows as the body writes them.
    expect(csvLine(row())).toBe(
      'checkout.latency,ms,"{""region"":""eu""}",2026-11-27T10:00:00.000Z,3,60,20,10,30,20,30,30',
    );
    expect(JSON.parse(jsonRow(row()))).toMatchObject({ at: '2026-11-27T10:00:00.000Z', labels: { region: 'eu' } });
  });

  it('names the file after the project and the span', () => {
    expect(reportFilename('abc', new Date('2026-11-27T00:00:00Z'), new Date('2026-11-28T12:30:00Z'), 'csv')).toBe(
      'slipway-metrics-abc-20261127T000000Z-20261128T123000Z.csv',
    );
  });
});
