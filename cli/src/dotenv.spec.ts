import { parse } from 'dotenv';
import { dotenvLine, ENV_KEY, parseDotenv } from './dotenv';

describe('dotenv files', () => {
  const values: Record<string, string> = {
    PLAIN: 'hello',
    EMPTY: '',
    EQUALS: 'a=b=c',
    SPACES: '  padded  ',
    HASH: 'not # a comment',
    SINGLE: "it's",
    DOUBLE: 'say "hi"',
    BOTH: `it's "quoted"`,
    MULTI: 'line one\nline two\n',
    MULTI_QUOTES: "first 'line'\nsecond `line`",
    UNICODE: 'héllo wörld ✓ 日本',
    ESCAPES: 'a\\nb\\t\\\\',
    JSON: '{"a": [1, 2], "b": "c=d"}',
    CR: 'one\r\ntwo',
    TRAILING_BACKSLASH: 'ends with \\',
  };

  it.each(Object.entries(values))('writes %s so that dotenv reads it back the same', (key, value) => {
    const line = dotenvLine(key, value);
    expect(line).toBeDefined();
    expect(parse(`${line}\n`)).toEqual({ [key]: value });
  });

  it('writes a whole file that reads back the same', () => {
    const text = Object.entries(values)
      .map(([k, v]) => dotenvLine(k, v))
      .join('\n');
    expect(parse(text)).toEqual(values);
    expect(parseDotenv(text)).toEqual({ values, unread: [] });
  });

  it('says when a value cannot be written', () => {
    expect(dotenvLine('ALL', `'"\``)).toBeUndefined();
    expect(dotenvLine('CR_AND_QUOTES', `'\`"\r`)).toBeUndefined();
  });

  it('reports the lines it could not read', () => {
    const text = "# a comment\nGOOD=1\nnot a variable\n\nexport ALSO='x\ny'\nstill bad\n";
    expect(parseDotenv(text)).toEqual({ values: { GOOD: '1', ALSO: 'x\ny' }, unread: [3, 7] });
  });

  it('accepts POSIX names only', () => {
    for (const key of ['A', '_x', 'API_URL', 'a1']) expect(ENV_KEY.test(key)).toBe(true);
    for (const key of ['1A', 'A-B', 'A.B', '', 'A B', 'x'.repeat(257)]) expect(ENV_KEY.test(key)).toBe(false);
  });
});
