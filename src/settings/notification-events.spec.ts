import { checkEventPattern, matchesEventPattern, NOTIFIABLE_EVENTS } from './notification-events';

describe('checkEventPattern', () => {
  it.each(['build.failed', 'deployment.promoted', 'alert.fired', 'member.joined', 'build.*', 'alert.*', '*'])(
    'accepts %s',
    (pattern) => {
      expect(checkEventPattern(pattern)).toBe(pattern);
    },
  );

  it('trims', () => {
    expect(checkEventPattern(' build.failed ')).toBe('build.failed');
  });

  it.each(['build.exploded', 'builds.*', 'build', '.*', 'build.**', '**', 'x'.repeat(100)])('refuses %j', (pattern) => {
    expect(() => checkEventPattern(pattern)).toThrow(
      expect.objectContaining({ reason: 'UNKNOWN_EVENT', message: expect.stringContaining('is not an event') }),
    );
  });

  it('names every event it knows in its message', () => {
    expect(() => checkEventPattern('nope')).toThrow(
      expect.objectContaining({ message: expect.stringContaining(NOTIFIABLE_EVENTS.join(', ')) }),
    );
  });
});

describe('matchesEventPattern', () => {
  it.each([
    ['build.failed', 'build.failed', true],
    ['build.failed', 'build.succeeded', false],
    ['build.*', 'build.failed', true],
    ['build.*', 'deployment.promoted', false],
    ['build.*', 'builds.failed', false],
    ['*', 'alert.fired', true],
  ])('%s matches %s: %s', (pattern, event, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });
});
