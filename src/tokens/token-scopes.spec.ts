import { checkScopes, expandScopes } from './token-scopes';
import { ApiTokenException } from './api-token.exception';

describe('token scopes', () => {
  it('keeps permissions and resource wildcards, trimmed and without repeats', () => {
    expect(checkScopes([' build:create', 'build:create', 'project:*'])).toEqual(['build:create', 'project:*']);
  });

  it.each(['build:fly', 'nothing:*', '*', 'build', '', 'build:**', 'BUILD:CREATE'])('refuses %j', (scope) => {
    let caught: unknown;
    try {
      checkScopes(['project:read', scope]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiTokenException);
    expect((caught as ApiTokenException).reason).toBe('UNKNOWN_SCOPE');
    expect((caught as ApiTokenException).code).toBe('BAD_USER_INPUT');
  });

  it('expands a wildcard to every action of its resource', () => {
    expect(expandScopes(['build:*']).sort()).toEqual(
      ['build:cancel', 'build:create', 'build:delete', 'build:read', 'build:retry', 'build:update'].sort(),
    );
    expect(expandScopes(['project:read', 'project:*', 'env:read']).sort()).toEqual(
      ['env:read', 'project:create', 'project:delete', 'project:read', 'project:update'].sort(),
    );
    expect(expandScopes([])).toEqual([]);
  });
});
