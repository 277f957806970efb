import { DatabaseException } from '../database.exception';
import { checkSchedule, expiredBackups, nextRunAt, shortestGapSeconds, type RetainedBackup } from './backup-policy';
import { BackupStatus } from './database-backup.schema';

const reasonOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof DatabaseException ? error.reason : `not a DatabaseException: ${String(error)}`;
  }
  return undefined;
};

describe('checkSchedule', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  it('takes a cron with a zone and a retention, and normalizes its spaces', () => {
    expect(checkSchedule({ cron: ' 0  3 * * * ', timezone: 'Europe/Paris', keepLast: 7 }, 300, now)).toEqual({
      cron: '0 3 * * *',
      timezone: 'Europe/Paris',
      keepLast: 7,
      keepDays: null,
    });
  });

  it.each([
    ['every minute', 'INVALID_SCHEDULE'],
    ['* * *', 'INVALID_SCHEDULE'],
    ['61 * * * *', 'INVALID_SCHEDULE'],
    ['', 'INVALID_SCHEDULE'],
    ['* * * * * * *', 'INVALID_SCHEDULE'],
  ])('refuses the cron %j', (cron, reason) => {
    expect(reasonOf(() => checkSchedule({ cron, timezone: 'UTC', keepLast: 1 }, 1, now))).toBe(reason);
  });

  it.each(['Mars/Base', '', ' UTC', 'utc/nowhere'])('refuses the zone %j', (timezone) => {
    expect(reasonOf(() => checkSchedule({ cron: '0 3 * * *', timezone, keepLast: 1 }, 1, now))).toBe(
      'INVALID_TIMEZONE',
    );
  });

  it('refuses a schedule firing more often than the minimum interval, even only at times', () => {
    expect(reasonOf(() => checkSchedule({ cron: '*/4 * * * *', timezone: 'UTC', keepLast: 1 }, 300, now))).toBe(
      'INVALID_SCHEDULE',
    );
    // Twice a day, one minute apart.
    expect(reasonOf(() => checkSchedule({ cron: '0,1 3 * * *', timezone: 'UTC', keepLast: 1 }, 300, now))).toBe(
      'INVALID_SCHEDULE',
    );
    expect(reasonOf(() => checkSchedule({ cron: '*/5 * * * *', timezone: 'UTC', keepLast: 1 }, 300, now))).toBe(
      undefined,
    );
    expect(reasonOf(() => checkSchedule({ cron: '* * * * * *', timezone: 'UTC', keepLast: 1 }, 1, now))).toBe(
      undefined,
    );
  });

  it.each<[{ keepLast?: number | null; keepDays?: number | null }, string]>([
    [{}, 'no retention at all'],
    [{ keepLast: 0 }, 'keepLast 0'],
    [{ keepLast: 1001 }, 'keepLast past 1000'],
    [{ keepDays: 0 }, 'keepDays 0'],
    [{ keepDays: 3651 }, 'keepDays past 3650'],
    [{ keepLast: 2.5 }, 'a fraction'],
    [{ keepLast: null, keepDays: null }, 'both null'],
  ])('refuses the retention %j (%s)', (retention, why) => {
    expect(why).not.toBe('');
    expect(reasonOf(() => checkSchedule({ cron: '0 3 * * *', timezone: 'UTC', ...retention }, 1, now))).toBe(
      'INVALID_RETENTION',
    );
  });

  it('takes the bounds of the retention', () => {
    expect(checkSchedule({ cron: '0 3 * * *', timezone: 'UTC', keepLast: 1000, keepDays: 3650 }, 1, now)).toMatchObject(
      { keepLast: 1000, keepDays: 3650 },
    );
    expect(checkSchedule({ cron: '0 3 * * *', timezone: 'UTC', keepDays: 1 }, 1, now)).toMatchObject({
      keepLast: null,
      keepDays: 1,
    });
  });
});

describe('shortestGapSeconds and nextRunAt', () => {
  it('measures the shortest gap between fire times', () => {
    const from = new Date('2026-03-01T00:00:00Z');
    expect(shortestGapSeconds('*/2 * * * * *', 'UTC', from)).toBe(2);
    expect(shortestGapSeconds('0 */6 * * *', 'UTC', from)).toBe(6 * 3600);
    expect(shortestGapSeconds('0 3 * * *', 'UTC', from)).toBe(86_400);
    // Once a month, two times a minute apart: seen on the first day it fires.
    expect(shortestGapSeconds('0,1 3 15 * *', 'UTC', from)).toBe(60);
    // Across midnight only: 23:59, then 00:00.
    expect(shortestGapSeconds('0,59 0,23 * * *', 'UTC', from)).toBe(60);
  });

  it('finds a short gap that only comes at the end of some months, weeks away', () => {
    const from = new Date('2026-01-02T00:00:00Z');
    // Fires on the 31st at 23:59 and on the 1st at 00:00: a minute apart, four weeks from now.
    const cron = '0,59 0,23 31,1 * *';
    expect(shortestGapSeconds(cron, 'UTC', from)).toBe(60);
    expect(() => checkSchedule({ cron, timezone: 'UTC', keepLast: 1 }, 300, from)).toThrow(/every 60 s/);
    // A daily schedule passes.
    expect(checkSchedule({ cron: '0 3 * * *', timezone: 'Europe/Paris', keepLast: 1 }, 3_600, from).cron).toBe(
      '0 3 * * *',
    );
  });

  it('reads the cron in its zone', () => {
    const now = new Date('2026-01-10T00:00:00Z');
    expect(nextRunAt('0 3 * * *', 'UTC', now)).toEqual(new Date('2026-01-10T03:00:00Z'));
    expect(nextRunAt('0 3 * * *', 'Europe/Paris', now)).toEqual(new Date('2026-01-10T02:00:00Z'));
  });
});

describe('expiredBackups', () => {
  const now = new Date('2026-03-10T00:00:00Z');
  const day = 86_400_000;
  const backup = (id: string, status: BackupStatus, daysAgo: number): RetainedBackup => ({
    id,
    status,
    startedAt: new Date(now.getTime() - daysAgo * day),
  });

  it('keeps the keepLast newest successes and removes the older ones', () => {
    const backups = [
      backup('a', BackupStatus.SUCCEEDED, 4),
      backup('b', BackupStatus.SUCCEEDED, 3),
      backup('c', BackupStatus.SUCCEEDED, 2),
      backup('d', BackupStatus.SUCCEEDED, 0),
    ];
    expect(expiredBackups(backups, { keepLast: 2, keepDays: null }, 'd', now).sort()).toEqual(['a', 'b']);
  });

  it('removes successes older than keepDays, and applies both limits when both are set', () => {
    const backups = [
      backup('old', BackupStatus.SUCCEEDED, 10),
      backup('mid', BackupStatus.SUCCEEDED, 5),
      backup('new', BackupStatus.SUCCEEDED, 1),
      backup('now', BackupStatus.SUCCEEDED, 0),
    ];
    expect(expiredBackups(backups, { keepLast: null, keepDays: 7 }, 'now', now)).toEqual(['old']);
    expect(expiredBackups(backups, { keepLast: 3, keepDays: 2 }, 'now', now).sort()).toEqual(['mid', 'old']);
  });

  it('removes failures older than the newest success, never a running backup nor the one just made', () => {
    const backups = [
      backup('failed-old', BackupStatus.FAILED, 3),
      backup('running', BackupStatus.RUNNING, 30),
      backup('ok', BackupStatus.SUCCEEDED, 1),
      backup('failed-new', BackupStatus.FAILED, 0.5),
    ];
    expect(expiredBackups(backups, { keepLast: 5, keepDays: null }, 'ok', now)).toEqual(['failed-old']);
    // A retention of 1 day would remove a backup made 2 days ago, but not when it is the one just made.
    const late = [backup('just-made', BackupStatus.SUCCEEDED, 2)];
    expect(expiredBackups(late, { keepLast: null, keepDays: 1 }, 'just-made', now)).toEqual([]);
  });

  it('counts manual and scheduled backups alike (it does not know which is which)', () => {
    const backups = [backup('x', BackupStatus.SUCCEEDED, 2), backup('y', BackupStatus.SUCCEEDED, 1)];
    expect(expiredBackups(backups, { keepLast: 1, keepDays: null }, 'y', now)).toEqual(['x']);
  });
});
