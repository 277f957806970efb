import { SignInFailures } from './operator-auth.middleware';

describe('SignInFailures', () => {
  const WINDOW = 15 * 60_000;

  it('locks an address out once it reached the limit, until its window ends', () => {
    const failures = new SignInFailures(3, WINDOW);
    const start = 1_000_000;

    failures.record('198.51.100.7', start);
    failures.record('198.51.100.7', start + 1_000);
    expect(failures.lockedFor('198.51.100.7', start + 2_000)).toBeUndefined();

    failures.record('198.51.100.7', start + 2_000);
    // The window started at the first failure, not the last.
    expect(failures.lockedFor('198.51.100.7', start + 2_000)).toBe((WINDOW - 2_000) / 1000);
    expect(failures.lockedFor('198.51.100.7', start + WINDOW - 1)).toBe(1);
    expect(failures.lockedFor('198.51.100.7', start + WINDOW)).toBeUndefined();
  });

  it('counts each address apart', () => {
    const failures = new SignInFailures(1, WINDOW);
    failures.record('198.51.100.7', 0);

    expect(failures.lockedFor('198.51.100.7', 1)).toBeDefined();
    expect(failures.lockedFor('198.51.100.8', 1)).toBeUndefined();
  });

  it('starts a new count after a window ended', () => {
    const failures = new SignInFailures(2, WINDOW);
    failures.record('198.51.100.7', 0);
    failures.record('198.51.100.7', WINDOW + 1);

    expect(failures.lockedFor('198.51.100.7', WINDOW + 2)).toBeUndefined();
  });

  it('forgets the oldest address past its bound', () => {
    const failures = new SignInFailures(1, WINDOW, 2);
    failures.record('198.51.100.1', 0);
    failures.record('198.51.100.2', 1);
    failures.record('198.51.100.3', 2);

    expect(failures.lockedFor('198.51.100.1', 3)).toBeUndefined();
    expect(failures.lockedFor('198.51.100.2', 3)).toBeDefined();
    expect(failures.lockedFor('198.51.100.3', 3)).toBeDefined();
  });
});
