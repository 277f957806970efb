import { parseRedisCommandLine } from './redis-command-line';

describe('parseRedisCommandLine', () => {
  it('splits words on spaces and tabs, ignoring leading, trailing and repeated ones', () => {
    expect(parseRedisCommandLine('  SET  key\tvalue  ')).toEqual(['SET', 'key', 'value']);
    expect(parseRedisCommandLine('')).toEqual([]);
    expect(parseRedisCommandLine('   ')).toEqual([]);
  });

  it('reads double-quoted strings with backslash escapes', () => {
    expect(parseRedisCommandLine('SET k "a b \\"c\\" \\\\ \\n\\t\\x41"')).toEqual(['SET', 'k', 'a b "c" \\ \n\tA']);
    expect(parseRedisCommandLine('SET k ""')).toEqual(['SET', 'k', '']);
  });

  it('reads single-quoted strings literally, except for an escaped single quote', () => {
    expect(parseRedisCommandLine("SET k 'it\\'s \\n \"x\"'")).toEqual(['SET', 'k', 'it\'s \\n "x"']);
  });

  it('keeps non-ASCII text', () => {
    expect(parseRedisCommandLine('SET clé "héllo wörld ✓"')).toEqual(['SET', 'clé', 'héllo wörld ✓']);
  });

  it('refuses unbalanced quotes', () => {
    expect(parseRedisCommandLine('SET k "open')).toBeNull();
    expect(parseRedisCommandLine("SET k 'open")).toBeNull();
    expect(parseRedisCommandLine('SET k "ends with escape\\"')).toBeNull();
  });

  it('refuses a quote glued to other characters', () => {
    expect(parseRedisCommandLine('SET k "a"b')).toBeNull();
    expect(parseRedisCommandLine('SET k a"b"')).toBeNull();
  });
});
