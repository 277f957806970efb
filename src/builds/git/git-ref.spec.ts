import { checkBranch, checkCommitSha } from './git-ref';

describe('checkBranch', () => {
  it('accepts a branch name, trimmed', () => {
    expect(checkBranch(' feature/login-page ')).toBe('feature/login-page');
  });

  // The rules themselves are specified in src/common/git/branch-name.spec.ts.
  it.each(['-x', '--upload-pack=evil', 'a..b', 'a*', '.hidden', '', 'x'.repeat(256)])('refuses %j', (branch) => {
    expect(() => checkBranch(branch)).toThrow(
      expect.objectContaining({ reason: 'INVALID_REF', message: expect.stringMatching(/^A branch name /) }),
    );
  });
});

describe('checkCommitSha', () => {
  it('accepts full and abbreviated ids, lower-cased', () => {
    expect(checkCommitSha('ABCDEF1')).toBe('abcdef1');
    expect(checkCommitSha('a'.repeat(40))).toBe('a'.repeat(40));
  });

  it.each(['abc', 'g123456', '-abcdef1', 'HEAD~1'])('refuses %s', (sha) => {
    expect(() => checkCommitSha(sha)).toThrow(expect.objectContaining({ reason: 'INVALID_REF' }));
  });
});
