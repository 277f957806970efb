import { checkBranchName, checkBranchPattern, matchesAnyBranchPattern, matchesBranchPattern } from './branch-patterns';

describe('matchesBranchPattern', () => {
  it.each([
    ['main', 'main', true],
    ['main', 'main2', false],
    ['main', 'mai', false],
    ['feature/*', 'feature/login', true],
    ['feature/*', 'feature/', true],
    ['feature/*', 'feature/a/b', false],
    ['feature/*', 'feature', false],
    ['feature/*', 'features/x', false],
    ['feature/**', 'feature/a/b', true],
    ['feature/**', 'feature/a', true],
    ['**/hotfix', 'a/b/hotfix', true],
    ['**/hotfix', 'hotfix', false],
    ['release-*', 'release-1.2', true],
    ['release-*', 'release/1.2', false],
    ['release-*', 'prerelease-1', false],
    ['*', 'anything', true],
    ['*', 'a/b', false],
    ['**', 'a/b', true],
    ['v?', 'v2', true],
    ['v?', 'v10', false],
    ['v?', 'v/', false],
    ['*-*', 'a-b-c', true],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
  ])('%s matches %s: %s', (pattern, branch, expected) => {
    expect(matchesBranchPattern(pattern, branch)).toBe(expected);
  });

  it('costs no more than the pattern times the branch, however many wildcards', () => {
    const pattern = `${'*a'.repeat(120)}b`;
    const branch = 'a'.repeat(255);
    const started = performance.now();

    expect(matchesBranchPattern(pattern, branch)).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('matches when any pattern of a list does', () => {
    expect(matchesAnyBranchPattern(['staging', 'feature/*'], 'feature/x')).toBe(true);
    expect(matchesAnyBranchPattern(['staging', 'feature/*'], 'main')).toBe(false);
    expect(matchesAnyBranchPattern([], 'main')).toBe(false);
  });
});

describe('checkBranchPattern', () => {
  it.each(['feature/*', 'release-*', '**', '*', 'v?', 'hotfix/**/urgent', 'staging'])('accepts %s', (pattern) => {
    expect(checkBranchPattern(pattern)).toBe(pattern);
  });

  it('trims', () => {
    expect(checkBranchPattern('  feature/*  ')).toBe('feature/*');
  });

  it.each([
    ['', 'must have 1 to 255 characters'],
    ['x'.repeat(256), 'must have 1 to 255 characters'],
    ['feature/***', 'has more than two * in a row'],
    ['feature/[ab]', 'cannot contain spaces, control characters or any of ~^:[\\ (* and ? are the wildcards)'],
    ['a b', 'cannot contain spaces, control characters or any of ~^:[\\ (* and ? are the wildcards)'],
    ['-*', 'cannot start with "-"'],
    ['a..*', 'cannot be "@" or contain "..", "@{" or "//"'],
    ['.*', 'cannot have a part that starts with "." or ends with ".lock"'],
    ['*/', 'cannot start or end with "/" or end with "."'],
  ])('refuses %j: it %s', (pattern, problem) => {
    expect(() => checkBranchPattern(pattern)).toThrow(
      expect.objectContaining({ reason: 'INVALID_BRANCH_PATTERN', message: expect.stringContaining(problem) }),
    );
  });
});

describe('checkBranchName', () => {
  it('accepts a branch, trimmed, and refuses wildcards', () => {
    expect(checkBranchName(' trunk ')).toBe('trunk');
    expect(() => checkBranchName('feature/*')).toThrow(expect.objectContaining({ reason: 'INVALID_BRANCH' }));
    expect(() => checkBranchName('-f')).toThrow(
      expect.objectContaining({ message: 'A branch name cannot start with "-"' }),
    );
  });
});
