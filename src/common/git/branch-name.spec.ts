import { branchNameProblem } from './branch-name';

describe('branchNameProblem', () => {
  it.each(['main', 'feature/login-page', 'release-1.2', 'v2', 'x'.repeat(255)])('accepts %s', (name) => {
    expect(branchNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['-x', 'cannot start with "-"'],
    ['--upload-pack=evil', 'cannot start with "-"'],
    ['a..b', 'cannot be "@" or contain "..", "@{" or "//"'],
    ['HEAD@{1}', 'cannot be "@" or contain "..", "@{" or "//"'],
    ['@', 'cannot be "@" or contain "..", "@{" or "//"'],
    ['a//b', 'cannot be "@" or contain "..", "@{" or "//"'],
    ['a b', 'cannot contain spaces, control characters or any of ~^:?*[\\'],
    ['a~1', 'cannot contain spaces, control characters or any of ~^:?*[\\'],
    ['a^', 'cannot contain spaces, control characters or any of ~^:?*[\\'],
    ['a:b', 'cannot contain spaces, control characters or any of ~^:?*[\\'],
    ['a*', 'cannot contain spaces, control characters or any of ~^:?*[\\'],
    ['a[0]', 'cannot contain spaces, control characters or any of ~^:?*[\\'],
    ['a\\b', 'cannot contain spaces, control characters or any of ~^:?*[\\'],
    ['a\u0007', 'cannot contain spaces, control characters or any of ~^:?*[\\'],
    ['/main', 'cannot start or end with "/" or end with "."'],
    ['main/', 'cannot start or end with "/" or end with "."'],
    ['main.', 'cannot start or end with "/" or end with "."'],
    ['.hidden', 'cannot have a part that starts with "." or ends with ".lock"'],
    ['feature/.hidden', 'cannot have a part that starts with "." or ends with ".lock"'],
    ['main.lock', 'cannot have a part that starts with "." or ends with ".lock"'],
    ['', 'has 1 to 255 characters'],
    ['x'.repeat(256), 'has 1 to 255 characters'],
  ])('refuses %j: it %s', (name, problem) => {
    expect(branchNameProblem(name)).toBe(problem);
  });
});
