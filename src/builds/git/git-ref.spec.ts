import { checkBranch, checkCommitSha } from './git-ref';

describe('checkBranch', () => {
  it.each(['main', 'feature/login-page', 'release-1.2', 'v2'])('accepts %s', (branch) => {
    expect(checkBranch(branch)).toBe(branch);
  });

  it.each([
    '-x',
    '--upload-pack=evil',
    'a..b',
    'HEAD@{1}',
    '@',
    'a//b',
    'a b',
    'a~1',
    'a^',
    'a:b',
    'a*',
    'a[0]',
    'a\\b',
    '/main',
    'main/',
    'main.',
    '.hidden',
    'feature/.hidden',
    'main.lock',
    '',
    'x'.repeat(256),
  ])('refuses %j', (branch) => {
    expect(() => checkBranch(branch)).toThrow(expect.objectContaining({ reason: 'INVALID_REF' }));
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
