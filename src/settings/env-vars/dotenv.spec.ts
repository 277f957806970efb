import { formatDotenv, parseDotenv } from './dotenv';

describe('parseDotenv', () => {
  it('reads plain, exported, quoted, escaped, commented and multi-line values', () => {
    const text = [
      '# a comment',
      '',
      'PLAIN=value',
      'export EXPORTED=yes',
      'SPACED = around  # a comment after the value',
      'HASH=a#b',
      'DOUBLE="line one\\nline two \\"quoted\\" \\\\ end"',
      "SINGLE='taken $literally \\n'",
      'MULTI="first',
      'second"',
      'EMPTY=',
      'BACKTICK=`it\'s "both"`',
      'PLAIN=last wins',
    ].join('\r\n');
    const { entries, rejected } = parseDotenv(text);
    expect(rejected).toEqual([]);
    expect(Object.fromEntries(entries.map((e) => [e.key, e.value]))).toEqual({
      PLAIN: 'last wins',
      EXPORTED: 'yes',
      SPACED: 'around',
      HASH: 'a#b',
      DOUBLE: 'line one\nline two "quoted" \\ end',
      SINGLE: 'taken $literally \\n',
      MULTI: 'first\nsecond',
      EMPTY: '',
      BACKTICK: 'it\'s "both"',
    });
    expect(entries.find((e) => e.key === 'MULTI')!.line).toBe(9);
  });

  it('reports each line it cannot read with its number and goes on', () => {
    const text = [
      'GOOD=1',
      'no equals here',
      '1BAD=x',
      'TRAIL="x" junk',
      'AFTER=2',
      `BIG=${'x'.repeat(70_000)}`,
      'OPEN="never closed',
      'LOST=3',
    ].join('\n');
    const { entries, rejected } = parseDotenv(text);
    expect(rejected).toEqual([
      { line: 2, reason: expect.stringMatching(/^no "=" after/) },
      { line: 3, reason: expect.stringContaining('1BAD is not a valid name') },
      { line: 4, reason: 'unexpected text after the closing quote' },
      { line: 6, reason: 'the value is larger than 64 KiB' },
      { line: 7, reason: 'the " quote that starts the value is never closed' },
    ]);
    expect(entries.map((e) => e.key)).toEqual(['GOOD', 'AFTER', 'LOST']);
  });

  it('writes text it reads back to the same values', () => {
    const values = [
      { key: 'A', value: 'multi\nline "quoted" \\ back\tslash #not a comment' },
      { key: 'B', value: '' },
    ];
    expect(parseDotenv(formatDotenv(values)).entries.map(({ key, value }) => ({ key, value }))).toEqual(values);
  });
});
